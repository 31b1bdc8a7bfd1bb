import { createHash } from 'node:crypto';
import { boundChallenge, expectedChallenge } from '../passkeys/webauthn/challenge';
import {
  canonicalTransactionData,
  MAX_TRANSACTION_DATA_BYTES,
  transactionDataHash,
} from './transaction-data';

describe('transaction data (RFC 8785 canonical JSON)', () => {
  it('serializes alike whatever the key order and spacing', () => {
    const one = canonicalTransactionData({ payee: 'ACME', amount: '100.00', currency: 'EUR' });
    const two = canonicalTransactionData(
      JSON.parse('{ "currency":"EUR","amount":"100.00","payee":"ACME" }'),
    );
    expect(one).toBe('{"amount":"100.00","currency":"EUR","payee":"ACME"}');
    expect(two).toBe(one);
    expect(canonicalTransactionData({ n: 1.0, e: 1.5e-7, s: 'é' })).toBe(
      '{"e":1.5e-7,"n":1,"s":"é"}',
    );
  });

  it('refuses what is not a JSON object within the limits', () => {
    expect(canonicalTransactionData([1, 2])).toBeUndefined();
    expect(canonicalTransactionData('text')).toBeUndefined();
    expect(canonicalTransactionData(null)).toBeUndefined();
    expect(canonicalTransactionData({ big: Infinity })).toBeUndefined();
    // JSON.parse rounds 12345678901234567890 to 12345678901234567000: refused, not re-signed
    expect(canonicalTransactionData(JSON.parse('{"id":12345678901234567890}'))).toBeUndefined();
    expect(canonicalTransactionData({ list: [1, 2 ** 60] })).toBeUndefined();
    expect(canonicalTransactionData({ cents: 2 ** 53 - 1, rate: 0.25 })).toBeDefined();
    expect(canonicalTransactionData({ s: 'x'.repeat(MAX_TRANSACTION_DATA_BYTES) })).toBeUndefined();
    // multi-byte characters count as their UTF-8 bytes
    expect(canonicalTransactionData({ s: 'é'.repeat(2100) })).toBeUndefined();
    let deep: unknown = 1;
    for (let i = 0; i < 9; i++) deep = { deep };
    expect(canonicalTransactionData(deep)).toBeUndefined();
    expect(
      canonicalTransactionData({ s: 'x'.repeat(MAX_TRANSACTION_DATA_BYTES - 10) }),
    ).toBeDefined();
  });

  it('hashes the canonical form with SHA-256', () => {
    const canonical = '{"amount":"1.00"}';
    expect(transactionDataHash(canonical)).toEqual(createHash('sha256').update(canonical).digest());
  });
});

describe('challenges bound to transaction data', () => {
  const hashOf = (data: object) => transactionDataHash(canonicalTransactionData(data)!);

  it('a bound challenge is 32 random bytes then the data hash, and is what the completion expects', () => {
    const hash = hashOf({ amount: '1.00' });
    const challenge = boundChallenge(hash);
    const bytes = Buffer.from(challenge, 'base64url');
    expect(bytes).toHaveLength(64);
    expect(bytes.subarray(32)).toEqual(hash);
    expect(expectedChallenge(challenge, hash)).toBe(challenge);
    expect(boundChallenge(hash)).not.toBe(challenge);
  });

  it('an assertion made for one transactionData is refused for another (the expected challenge differs)', () => {
    const signed = boundChallenge(hashOf({ amount: '1.00' }));
    expect(expectedChallenge(signed, hashOf({ amount: '9999.00' }))).not.toBe(signed);
  });

  it('data added to a transaction that had none changes the expected challenge too', () => {
    const plain = Buffer.alloc(32, 9).toString('base64url');
    expect(expectedChallenge(plain, null)).toBe(plain);
    expect(expectedChallenge(plain, hashOf({ amount: '1.00' }))).not.toBe(plain);
  });

  it('data removed from a transaction changes it as well (a step-up never falls back to the stored challenge)', () => {
    const signed = boundChallenge(hashOf({ amount: '1.00' }));
    expect(expectedChallenge(signed, null)).not.toBe(signed);
    expect(Buffer.from(expectedChallenge(signed, null), 'base64url')).toHaveLength(32);
    // outside a step-up, the stored challenge is the expected one, whatever its length
    expect(expectedChallenge(signed, undefined)).toBe(signed);
  });
});
