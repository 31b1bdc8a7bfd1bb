import { KeyEncryption, SealedKeyError } from './key-encryption';

const jwk = { kty: 'EC', crv: 'P-256', x: 'x-part', y: 'y-part', d: 'the-private-scalar' };

describe('KeyEncryption (sealing private keys under the KEK)', () => {
  const kek = Buffer.alloc(32, 1);
  const sealer = new KeyEncryption(kek);

  it('seals a private JWK into a compact JWE that holds nothing in clear, and opens it again', async () => {
    const sealed = await sealer.seal(jwk, 'tenant_signing_keys/acme/k1');
    expect(sealed.split('.')).toHaveLength(5);
    expect(sealed).not.toContain('the-private-scalar');
    expect(Buffer.from(sealed, 'utf8').toString()).not.toContain(
      Buffer.from('the-private-scalar').toString('base64url'),
    );
    await expect(sealer.open(sealed, 'tenant_signing_keys/acme/k1')).resolves.toEqual(jwk);
  });

  it('refuses a key sealed under another KEK, naming both (not a vague failure)', async () => {
    const other = new KeyEncryption(Buffer.alloc(32, 2));
    const sealed = await other.seal(jwk, 'row');
    await expect(sealer.open(sealed, 'row')).rejects.toThrow(SealedKeyError);
    await expect(sealer.open(sealed, 'row')).rejects.toThrow(/another key-encryption key/);
  });

  it('refuses a sealed key moved to another row (the binding is authenticated)', async () => {
    const sealed = await sealer.seal(jwk, 'tenant_signing_keys/acme/k1');
    await expect(sealer.open(sealed, 'tenant_signing_keys/evil/k1')).rejects.toThrow(
      /belongs to another row/,
    );
    // rewriting the header's binding breaks the GCM tag
    const [header, ...rest] = sealed.split('.');
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(header, 'base64url').toString()),
        bnd: 'tenant_signing_keys/evil/k1',
      }),
    ).toString('base64url');
    await expect(
      sealer.open([forged, ...rest].join('.'), 'tenant_signing_keys/evil/k1'),
    ).rejects.toThrow(/does not open/);
  });

  it('refuses a damaged ciphertext and anything that is not a JWE', async () => {
    const sealed = await sealer.seal(jwk, 'row');
    const parts = sealed.split('.');
    const ciphertext = Buffer.from(parts[3], 'base64url');
    ciphertext[0] ^= 1;
    parts[3] = ciphertext.toString('base64url');
    await expect(sealer.open(parts.join('.'), 'row')).rejects.toThrow(/does not open/);
    await expect(sealer.open('not-a-jwe', 'row')).rejects.toThrow(SealedKeyError);
  });

  it('needs a 32-byte KEK', () => {
    expect(() => new KeyEncryption(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});
