import { routingPath } from './routing-path';

describe('routingPath', () => {
  it('decodes percent-encoding like the router, without the query', () => {
    expect(routingPath('/passage/v1/%61pps/x/register/transactions/webauthn/st%61rt?a=%41')).toBe(
      '/passage/v1/apps/x/register/transactions/webauthn/start',
    );
    expect(routingPath('/api/identity-store/%62rowser/t')).toBe('/api/identity-store/browser/t');
  });

  it('keeps a path whose encoding is broken (the router refuses it)', () => {
    expect(routingPath('/api/%E0%A4%A')).toBe('/api/%E0%A4%A');
    expect(routingPath('/plain/path')).toBe('/plain/path');
  });
});
