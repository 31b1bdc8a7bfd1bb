import { DomainError, transientConflict } from '../../common/errors';
import type { ProvenResult, ResultSigner } from '../../signing/result-tokens';
import { TransactionHost } from '../../database/transaction-host';

/** A completion's result: the outcome, or the failure it recorded. */
export type Completed<O> = { outcome: O } | { error: DomainError };

/** What a round reports when a row it judged changed before it could settle. */
export interface Changed<R> {
  changed: R;
}

/**
 * How both ceremonies complete: one `round` (read, judge, settle) without locks; when a row it
 * judged changed in between, one more round inside a transaction that first takes those rows'
 * locks (`lock`), which guarantees progress however busy the user is. With `inTransaction` (an
 * `onSuccess` hook that must commit with the success) everything runs in one transaction.
 * Returns the outcome, or throws the failure the round recorded.
 */
export async function complete<O, R>(
  host: TransactionHost,
  round: () => Promise<Completed<O> | Changed<R>>,
  lock: (changed: R) => Promise<void>,
  inTransaction: boolean,
): Promise<O> {
  const attempt = async (): Promise<Completed<O>> => {
    const first = await round();
    if (!('changed' in first)) return first;
    return host.run(async () => {
      await lock(first.changed);
      const again = await round();
      // nothing changes a row this transaction holds locked (unless it was deleted and made
      // again in between): answered like a deadlock, retry
      if ('changed' in again) throw transientConflict();
      return again;
    });
  };
  const result = await (inTransaction ? host.run(attempt) : attempt());
  if ('error' in result) throw result.error;
  return result.outcome;
}

/** What a ceremony proved, for its result token (the step-up adds its transaction). */
export type CeremonyProof = Omit<ProvenResult, 'transactionId' | 'transactionDataHash'>;

/** A success with its proof. */
export interface Proven<T> {
  dto: T;
  proof: CeremonyProof;
  /** The tenant's result-token signer, loaded before the success committed (API completions). */
  signer?: ResultSigner;
}

/** The API completion's answer: the outcome and its result token (no step-up transaction). */
export async function withResultToken<T>({
  dto,
  proof,
  signer,
}: Proven<T>): Promise<T & { resultToken: string }> {
  if (!signer) throw new Error('an API completion settles with its signer loaded');
  const resultToken = await signer.sign({
    ...proof,
    transactionId: null,
    transactionDataHash: null,
  });
  return { ...dto, resultToken };
}

/** How a step-up transaction completes a ceremony. */
export interface StepUpHook<T> {
  /** SHA-256 of the transaction data the challenge commits to (null: the transaction has none). */
  dataHash: Buffer | null;
  /** Runs in the success's transaction: whatever it writes commits or rolls back with it. */
  onSuccess: (outcome: T, proof: CeremonyProof) => Promise<void>;
}
