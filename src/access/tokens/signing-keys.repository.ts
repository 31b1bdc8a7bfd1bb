import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../../database/transaction-host';
import { SigningKeyEntity } from './signing-key.entity';

/** Serialises key generation across instances (a transaction-scoped advisory lock). */
const KEYGEN_LOCK = 7_241_002;

export type NewSigningKey = Omit<SigningKeyEntity, 'createdAt'>;

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

  async newest(): Promise<SigningKeyEntity | undefined> {
    const [newest] = await this.keys.find({ order: { createdAt: 'DESC' }, take: 1 });
    return newest;
  }

  async insert(key: NewSigningKey): Promise<void> {
    await this.keys.insert(this.keys.create(key));
  }

  /** Every key, oldest first. */
  all(): Promise<SigningKeyEntity[]> {
    return this.keys.find({ order: { createdAt: 'ASC' } });
  }

  byKid(kid: string): Promise<SigningKeyEntity | null> {
    return this.keys.findOne({ where: { kid } });
  }
}
