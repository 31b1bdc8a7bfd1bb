import { loggablePath } from './loggable-path';

describe('loggablePath', () => {
  it('drops the query, transaction ids and external user ids', () => {
    expect(loggablePath('/api/identity-store/stores/s/users?q=jane')).toBe(
      '/api/identity-store/stores/s/users',
    );
    expect(loggablePath('/api/identity-store/browser/transactions/abc/start')).toBe(
      '/api/identity-store/browser/transactions/[REDACTED]/start',
    );
    expect(loggablePath('/api/identity-store/stores/s/users/jane%40example.com/passkeys/ext')).toBe(
      '/api/identity-store/stores/s/users/[REDACTED]/passkeys/ext',
    );
    // internal ids are not personal data: kept for tracing
    expect(loggablePath('/api/identity-store/stores/s/users/3f1c/passkeys')).toBe(
      '/api/identity-store/stores/s/users/3f1c/passkeys',
    );
  });

  it('a spelling that hides a transaction id or an external id from the pattern: the route, or nothing', () => {
    const route = '/api/identity-store/browser/transactions/:transactionId/start';
    for (const url of [
      '/api/identity-store/browser/%74ransactions/live-id/start',
      '/api/identity-store/browser/transactions%2Flive-id/start',
      'http://host/api/identity-store/browser/%74ransactions/live-id/start',
    ]) {
      expect(loggablePath(url, route)).toBe(route);
      expect(loggablePath(url)).toBe('[REDACTED]');
    }
    const ext = '/api/identity-store/stores/:storeName/users/:userExtId/passkeys/ext';
    expect(loggablePath('/api/identity-store/stores/s/users/jane/passkeys/%65xt', ext)).toBe(ext);
    // a route with nothing to hide keeps its path as sent
    expect(
      loggablePath('/api/identity-store/%73tores/s', '/api/identity-store/stores/:storeName'),
    ).toBe('/api/identity-store/%73tores/s');
  });

  it('a matched route that carries one logs its pattern, whatever the names around it', () => {
    const ext = '/api/identity-store/stores/:storeName/users/:userExtId/passkeys/ext';
    expect(
      loggablePath('/api/identity-store/stores/users/users/jane@x.com/passkeys/ext', ext),
    ).toBe(ext);
    // without the route (an unmatched path), the first /users/ segment is still not the only one
    expect(
      loggablePath('/api/identity-store/stores/users/users/jane@x.com/passkeys/ext'),
    ).not.toContain('jane');
  });
});
