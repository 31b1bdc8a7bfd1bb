import { DomainError, ErrorCode } from '../../common/errors';
import { assertCredentialOfUser } from './ownership';

describe('§7.2 step 6: whose credential it is', () => {
  const user = { id: 'u1' };
  const passkey = { userId: 'u1' };
  const assertion = (userHandle?: string) => ({ id: 'c1', rawId: 'c1', response: { userHandle } });
  const codeOf = (run: () => unknown) => {
    try {
      run();
      return 'OK';
    } catch (error) {
      return (error as DomainError).code;
    }
  };

  it('a known user: the credential must be theirs; a userHandle, when present, theirs too', () => {
    expect(codeOf(() => assertCredentialOfUser('u1', assertion(), passkey, user, 'h1'))).toBe('OK');
    expect(codeOf(() => assertCredentialOfUser('u1', assertion('h1'), passkey, user, 'h1'))).toBe(
      'OK',
    );
    expect(codeOf(() => assertCredentialOfUser('u1', assertion('h2'), passkey, user, 'h1'))).toBe(
      ErrorCode.CREDENTIAL_NOT_ALLOWED,
    );
    expect(codeOf(() => assertCredentialOfUser('u1', assertion('h1'), passkey, user, null))).toBe(
      ErrorCode.CREDENTIAL_NOT_ALLOWED,
    );
    expect(
      codeOf(() => assertCredentialOfUser('u1', assertion(), { userId: 'u2' }, user, 'h1')),
    ).toBe(ErrorCode.CREDENTIAL_NOT_ALLOWED);
    expect(codeOf(() => assertCredentialOfUser('u1', assertion(), null, user, 'h1'))).toBe(
      ErrorCode.CREDENTIAL_NOT_ALLOWED,
    );
  });

  it('username-less: the userHandle must be present and be the owner’s', () => {
    expect(codeOf(() => assertCredentialOfUser(null, assertion('h1'), passkey, user, 'h1'))).toBe(
      'OK',
    );
    expect(codeOf(() => assertCredentialOfUser(null, assertion(), passkey, user, 'h1'))).toBe(
      ErrorCode.CREDENTIAL_NOT_ALLOWED,
    );
    expect(codeOf(() => assertCredentialOfUser(null, assertion('h2'), passkey, user, 'h1'))).toBe(
      ErrorCode.CREDENTIAL_NOT_ALLOWED,
    );
  });

  it('§7.2 step 5: a known user’s credential must be one the options offered', () => {
    expect(
      codeOf(() => assertCredentialOfUser('u1', assertion(), passkey, user, 'h1', ['c1'])),
    ).toBe('OK');
    expect(
      codeOf(() => assertCredentialOfUser('u1', assertion(), passkey, user, 'h1', ['c0', 'c2'])),
    ).toBe(ErrorCode.CREDENTIAL_NOT_ALLOWED);
    // a session that kept no list (username-less, or started before lists were kept)
    expect(codeOf(() => assertCredentialOfUser('u1', assertion(), passkey, user, 'h1'))).toBe('OK');
  });

  it('rawId must equal id', () => {
    const odd = { id: 'c1', rawId: 'c2', response: {} };
    expect(codeOf(() => assertCredentialOfUser('u1', odd, passkey, user, 'h1'))).toBe(
      ErrorCode.VERIFICATION_FAILED,
    );
  });
});
