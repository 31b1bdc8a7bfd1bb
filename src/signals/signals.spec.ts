import {
  isAcceptedStatus,
  signalAllAcceptedCredentials,
  signalCurrentUserDetails,
  signalUnknownCredential,
  UserAtRelyingParty,
  userSignals,
} from './signals';

describe('WebAuthn Signal API payloads (W3C WebAuthn L3 §5.1.10)', () => {
  const shop: UserAtRelyingParty = {
    rpId: 'shop.example',
    userHandle: 'aGFuZGxlLXNob3A',
    credentials: [
      { credentialId: 'Y3JlZC1hY3RpdmU', status: 'ACTIVE' },
      { credentialId: 'Y3JlZC1zdXNwZW5kZWQ', status: 'SUSPENDED' },
      { credentialId: 'Y3JlZC1yZXZva2Vk', status: 'REVOKED' },
    ],
  };
  const admin: UserAtRelyingParty = { rpId: 'admin.example', userHandle: 'aA', credentials: [] };

  it('signalUnknownCredential takes UnknownCredentialOptions {rpId, credentialId}', () => {
    expect(signalUnknownCredential('shop.example', 'Y3JlZA')).toEqual({
      method: 'signalUnknownCredential',
      options: { rpId: 'shop.example', credentialId: 'Y3JlZA' },
    });
  });

  it('signalAllAcceptedCredentials names the user by handle and keeps ACTIVE and SUSPENDED passkeys, not REVOKED', () => {
    expect(signalAllAcceptedCredentials(shop)).toEqual({
      method: 'signalAllAcceptedCredentials',
      options: {
        rpId: 'shop.example',
        userId: 'aGFuZGxlLXNob3A',
        allAcceptedCredentialIds: ['Y3JlZC1hY3RpdmU', 'Y3JlZC1zdXNwZW5kZWQ'],
      },
    });
    expect(['ACTIVE', 'SUSPENDED', 'REVOKED'].map(isAcceptedStatus)).toEqual([true, true, false]);
  });

  it('a relying party without an accepted passkey gets an empty list (the manager drops them all)', () => {
    expect(signalAllAcceptedCredentials(admin).options).toEqual({
      rpId: 'admin.example',
      userId: 'aA',
      allAcceptedCredentialIds: [],
    });
  });

  it('signalCurrentUserDetails takes {rpId, userId, name, displayName}: name is the userName', () => {
    expect(signalCurrentUserDetails(shop, { userName: 'jane@x', displayName: 'Jane' })).toEqual({
      method: 'signalCurrentUserDetails',
      options: {
        rpId: 'shop.example',
        userId: 'aGFuZGxlLXNob3A',
        name: 'jane@x',
        displayName: 'Jane',
      },
    });
  });

  it('userSignals: every relying party ordered by rpId, details only when names are given', () => {
    expect(userSignals([shop, admin]).map((s) => [s.method, s.options.rpId])).toEqual([
      ['signalAllAcceptedCredentials', 'admin.example'],
      ['signalAllAcceptedCredentials', 'shop.example'],
    ]);
    expect(
      userSignals([shop, admin], { userName: 'n', displayName: 'd' }).map((s) => [
        s.method,
        s.options.rpId,
      ]),
    ).toEqual([
      ['signalAllAcceptedCredentials', 'admin.example'],
      ['signalCurrentUserDetails', 'admin.example'],
      ['signalAllAcceptedCredentials', 'shop.example'],
      ['signalCurrentUserDetails', 'shop.example'],
    ]);
    expect(userSignals([])).toEqual([]);
  });
});
