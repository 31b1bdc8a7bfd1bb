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
});
