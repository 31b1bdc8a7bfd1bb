import { Injectable } from '@nestjs/common';
import { createPrivateKey, KeyObject } from 'node:crypto';
import { IsNull, MoreThan, Not } from 'typeorm';
import { TransactionHost } from '../../database/transaction-host';
import { SigningKeyEntity } from './signing-key.entity';

/** Serialises key generation across instances (a transaction-scoped advisory lock). */
const KEYGEN_LOCK = 7_241_002;

export type NewSigningKey = Pick<SigningKeyEntity, 'kid' | 'algorithm' | 'publicJwk'> & {
  privateKeySealed: string;
};

/** The SQL of the server's signing keys (platform-wide rows: no tenant). */
@Injectable()
export class SigningKeysRepository {
  constructor(private readonly host: TransactionHost) {}

  private get keys() {
    return this.host.manager.getRepository(SigningKeyEntity);
  }

  /** Waits for, then holds until the transaction ends, the right to generate a key. */
  async lockKeyGeneration(): Promise<void> {
    await this.host.manager.query('SELECT pg_advisory_xact_lock($1)', [KEYGEN_LOCK]);
  }

  /** Keys an older version stored in clear (to be sealed). */
  async unsealed(): Promise<{ kid: string; privateKey: KeyObject }[]> {
    const rows = await this.keys.find({ where: { privateKey: Not(IsNull()) } });
    return rows.map((row) => ({ kid: row.kid, privateKey: createPrivateKey(row.privateKey!) }));
  }

  /**
   * Stores the sealed private key, forgets the clear one, and retires the key: it was exposed in
   * clear (backups, WAL), so it signs no more and its tokens verify only until `expiresAt`.
   */
  async sealAndRetire(kid: string, sealed: string, expiresAt: Date): Promise<void> {
    await this.keys.update({ kid }, { privateKeySealed: sealed, privateKey: null, expiresAt });
  }

  /** The key that signs: the newest one not retired. */
  async newest(): Promise<(SigningKeyEntity & { privateKeySealed: string }) | undefined> {
    const [newest] = await this.keys.find({
      where: { expiresAt: IsNull() },
      order: { createdAt: 'DESC' },
      take: 1,
    });
    return newest as (SigningKeyEntity & { privateKeySealed: string }) | undefined;
  }

  async insert(key: NewSigningKey): Promise<void> {
    await this.keys.insert(this.keys.create({ ...key, privateKey: null }));
  }

  /** Every key that verifies tokens (not expired), oldest first. */
  all(): Promise<SigningKeyEntity[]> {
    return this.keys.find({
      where: [{ expiresAt: IsNull() }, { expiresAt: MoreThan(new Date()) }],
      order: { createdAt: 'ASC' },
    });
  }

  byKid(kid: string): Promise<SigningKeyEntity | null> {
    return this.keys.findOne({ where: { kid } });
  }
}
