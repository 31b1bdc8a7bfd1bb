import { requestFor, routingPath } from './routing-path';

describe('routingPath', () => {
  it('decodes percent-encoding like the router, without the query', () => {
    expect(routingPath('/passage/v1/%61pps/x/register/transactions/webauthn/st%61rt?a=%41')).toBe(
      '/passage/v1/apps/x/register/transactions/webauthn/start',
    );
    expect(routingPath('/api/identity-store/%62rowser/t')).toBe('/api/identity-store/browser/t');
  });

  it('drops what the router drops: the scheme and authority of an absolute request target, all after # or ?', () => {
    expect(routingPath('http://h.example/api/identity-store/browser/t?x')).toBe(
      '/api/identity-store/browser/t',
    );
    expect(routingPath('https://h.example:8443/passage/v1/apps/a')).toBe('/passage/v1/apps/a');
    // a broken encoding after `#` is not the path's: it does not keep the path from decoding
    expect(routingPath('/api/identity-store/%62rowser/t#%zz')).toBe(
      '/api/identity-store/browser/t',
    );
    expect(routingPath('/a#b?c')).toBe('/a');
  });

  it('requestFor: by the path or by the matched route', () => {
    const under = (p: string) => p.startsWith('/api/identity-store/browser/');
    expect(requestFor({ url: '/api/identity-store/browser/t' }, under)).toBe(true);
    expect(
      requestFor(
        { url: '/elsewhere', routeOptions: { url: '/api/identity-store/browser/:tenant' } },
        under,
      ),
    ).toBe(true);
    expect(requestFor({ url: '/elsewhere', routeOptions: {} }, under)).toBe(false);
  });

  it('keeps a path whose encoding is broken (the router refuses it)', () => {
    expect(routingPath('/api/%E0%A4%A')).toBe('/api/%E0%A4%A');
    expect(routingPath('/plain/path')).toBe('/plain/path');
  });
});
