import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import type { Principal, RequestContext } from '../auth/request-context';
import { DomainError, ErrorCode, statusOf, transientConflict } from '../common/errors';
import { validateBody } from '../common/validation/validation.pipe';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { AuthenticationService } from '../passkeys/authentication/authentication.service';
import { CeremonyResolver } from '../passkeys/ceremony-resolver';
import {
  CompleteAuthenticationDto,
  CompleteRegistrationDto,
} from '../passkeys/dto/client-response.dto';
import { RegistrationService } from '../passkeys/registration/registration.service';
import type { CeremonyProof } from '../passkeys/sessions/settle';
import { auditRow } from '../passkeys/sessions/rows';
import { StoreEntity } from '../stores/store.entity';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import {
  BrowserStartDto,
  CreateAuthenticateTransactionDto,
  CreateRegisterTransactionDto,
  NonceDto,
  TransactionDto,
  VerifiedNonceDto,
} from './dto/step-up.dto';
import { assertTenantAdmits } from '../tenants/tenant-rules';
import { MintingKeyState, NonceScope, StepUpRepository } from './step-up.repository';
import { StartedCeremonyDto } from '../passkeys/dto/ceremony.dto';
import { secretFingerprint } from '../auth/api-key-secret';
import { ResultTokenService } from '../signing/result-tokens';
import { canonicalTransactionData, transactionDataHash } from './transaction-data';
import {
  StepUpTransactionEntity,
  TransactionKind,
  TransactionStatus,
} from './step-up-transaction.entity';

const hash = (value: string) => createHash('sha256').update(value, 'utf8').digest();
const random256 = () => randomBytes(32).toString('base64url');

/** Who acts on the browser routes: no key, the transaction is the capability. */
const BROWSER: Principal = {
  keyId: null,
  tenantId: null,
  isPlatform: false,
  permissions: [],
  via: 'apiKey',
};

/**
 * Where a transaction must belong when a route reaches it through something narrower than its
 * id alone (a Passage app: one tenant and relying party, and the route says register or
 * authenticate).
 */
export interface TransactionScope {
  tenantId: string;
  relyingPartyId: string;
  kind: TransactionKind;
}

function inScope(tx: StepUpTransactionEntity, scope: TransactionScope): boolean {
  return (
    tx.tenantId === scope.tenantId &&
    tx.relyingPartyId === scope.relyingPartyId &&
    tx.kind === scope.kind
  );
}

export interface BrowserRequest {
  requestId: string;
  ip: string;
}

/**
 * Step-up transactions (the 000 seed's flow): the backend mints a transaction, the browser runs
 * the ceremony with it and receives a single-use nonce, the backend redeems the nonce.
 */
@Injectable()
export class StepUpService {
  constructor(
    private readonly host: TransactionHost,
    private readonly repository: StepUpRepository,
    private readonly resolver: CeremonyResolver,
    private readonly users: UsersService,
    private readonly registration: RegistrationService,
    private readonly authentication: AuthenticationService,
    private readonly audit: AuditService,
    private readonly results: ResultTokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // ---- backend (API key) ----

  async createRegister(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    dto: CreateRegisterTransactionDto,
  ): Promise<TransactionDto> {
    const policyName = dto.registrationPolicy ?? 'default';
    const { store, rp } = await this.resolver.forRegistration(ctx, storeName, rpId, policyName);
    const attempt = () =>
      this.host.run(async () => {
        const user = await this.registerTarget(ctx, store, dto);
        return this.mint(ctx, {
          store: { id: store.id, name: store.name },
          rp: { id: rp.id, rpId: rp.rpId },
          userId: user.id,
          kind: TransactionKind.REGISTER,
          policyName,
          passkeyDisplayName: dto.passkeyDisplayName,
          transactionData: canonicalOrNull(dto.transactionData),
        });
      });
    let tx: Awaited<ReturnType<typeof attempt>>;
    try {
      tx = await attempt();
    } catch (error) {
      // a concurrent request made the user between our read and our insert (which aborted this
      // transaction): with allowExistingUser that user is the one to use, so run again, once
      const race = error instanceof DomainError && error.code === ErrorCode.EXT_ID_NOT_UNIQUE;
      if (!race || !dto.allowExistingUser) throw error;
      tx = await attempt();
    }
    return { transactionId: tx.id, expiresAt: tx.expiresAt.toISOString() };
  }

  /**
   * The user a register transaction is for: a new one, or an existing one only when the
   * integrator asked for it (otherwise a sign-up with a taken name would hand the account over).
   */
  private async registerTarget(
    ctx: RequestContext,
    store: StoreEntity,
    dto: CreateRegisterTransactionDto,
  ): Promise<UserEntity> {
    const ref = { externalId: dto.externalId };
    const taken = () =>
      new DomainError(
        ErrorCode.USER_ALREADY_EXISTS,
        `A user with external id ${dto.externalId} already exists in this store; set ` +
          'allowExistingUser to add a passkey to it',
        { errors: [{ field: 'externalId', in: 'body', message: 'already used in this store' }] },
      );
    const existing = await this.users.find(ctx, store, ref).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === ErrorCode.USER_NOT_FOUND) return undefined;
      throw error;
    });
    if (existing && !dto.allowExistingUser) throw taken();
    if (existing) return existing;
    try {
      return await this.users.insert(ctx, store, { ...ref, userName: dto.externalId });
    } catch (error) {
      // a concurrent sign-up took the name between the read and the insert (with
      // allowExistingUser, createRegister runs again and finds that user)
      const race = error instanceof DomainError && error.code === ErrorCode.EXT_ID_NOT_UNIQUE;
      throw race && !dto.allowExistingUser ? taken() : error;
    }
  }

  async createAuthenticate(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    dto: CreateAuthenticateTransactionDto,
  ): Promise<TransactionDto> {
    const policyName = dto.authenticationPolicy ?? 'default';
    const { store, rp } = await this.resolver.forAuthentication(ctx, storeName, rpId, policyName);
    const user = await this.users.find(ctx, store, { externalId: dto.externalId });
    const tx = await this.mint(ctx, {
      store: { id: store.id, name: store.name },
      rp: { id: rp.id, rpId: rp.rpId },
      userId: user.id,
      kind: TransactionKind.AUTHENTICATE,
      policyName,
      passkeyDisplayName: null,
      transactionData: canonicalOrNull(dto.transactionData),
    });
    return { transactionId: tx.id, expiresAt: tx.expiresAt.toISOString() };
  }

  /** Redeems a nonce, atomically and once, in the tenant and store that made it. */
  async verifyNonce(
    ctx: RequestContext,
    storeName: string,
    nonce: string,
    scope?: NonceScope,
  ): Promise<VerifiedNonceDto> {
    const redeemed = await this.repository.redeemNonce(
      ctx.tenantId,
      storeName,
      hash(nonce),
      auditRow(ctx, AuditEventType.NONCE_REDEEMED, {}),
      scope,
    );
    if (!redeemed) throw await this.whyNotRedeemable(ctx, storeName, nonce, scope);
    const { proof, transactionData, resultToken, ...fields } = redeemed;
    return {
      ...fields,
      verifiedAt: redeemed.verifiedAt.toISOString(),
      transactionData: transactionData === null ? null : JSON.parse(transactionData),
      // signed at the ceremony's success; only nonces minted before result tokens sign now
      resultToken: resultToken ?? (await this.results.sign(proof!)),
    };
  }

  // ---- browser (the transaction id is the capability) ----

  async browserStart(
    transactionId: string,
    request: BrowserRequest,
    scope?: TransactionScope,
  ): Promise<BrowserStartDto> {
    return this.startCeremony(await this.pending(transactionId, scope), request);
  }

  /** Starts (or restarts) the ceremony of a pending transaction. */
  private async startCeremony(
    tx: StepUpTransactionEntity,
    request: BrowserRequest,
  ): Promise<BrowserStartDto> {
    const ctx = this.browserContext(tx.tenantId, request);
    const dataHash = hashOf(tx.transactionData) ?? undefined;
    const minted = { storeId: tx.storeId, relyingPartyId: tx.relyingPartyId };
    const started = await this.started(tx, ctx, minted, dataHash);
    // A later start (the user dismissed the dialog and retries) replaces the ceremony.
    await this.repository.attachSession(tx.tenantId, tx.id, started.sessionId);
    return {
      transactionId: tx.id,
      clientRequest: started.clientRequest,
      kind: tx.kind,
      expiresAt: tx.expiresAt.toISOString(),
      transactionData: tx.transactionData === null ? null : JSON.parse(tx.transactionData),
    };
  }

  /**
   * The ceremony's start. What the transaction was made for that is gone (its store, relying
   * party, policy or user, deleted or renamed away since the mint) is one answer on this keyless
   * route: the transaction is gone too, without naming internal ids (review).
   */
  private async started(
    tx: StepUpTransactionEntity,
    ctx: RequestContext,
    minted: { storeId: string; relyingPartyId: string },
    dataHash: Buffer | undefined,
  ): Promise<StartedCeremonyDto> {
    try {
      return await this.startedCeremony(tx, ctx, minted, dataHash);
    } catch (error) {
      if (error instanceof DomainError && TARGET_GONE.has(error.code)) {
        throw new DomainError(
          ErrorCode.TRANSACTION_NOT_FOUND,
          'What this transaction was made for (its store, relying party, policy or user) no longer exists',
        );
      }
      throw error;
    }
  }

  private startedCeremony(
    tx: StepUpTransactionEntity,
    ctx: RequestContext,
    minted: { storeId: string; relyingPartyId: string },
    dataHash: Buffer | undefined,
  ): Promise<StartedCeremonyDto> {
    return tx.kind === TransactionKind.REGISTER
      ? this.registration.start(
          ctx,
          { storeName: tx.storeName, rpId: tx.rpId, regPolicyName: tx.policyName, minted },
          { id: tx.userId! },
          { passkeyDisplayName: tx.passkeyDisplayName ?? undefined },
          dataHash,
        )
      : this.authentication.start(
          ctx,
          { storeName: tx.storeName, rpId: tx.rpId, authPolicyName: tx.policyName, minted },
          tx.userId ? { id: tx.userId } : undefined,
          {},
          dataHash,
        );
  }

  /**
   * Username-less (autofill, conditional UI): a transaction without a user, started at once.
   * Keyless, so a missing tenant, store, relying party or policy, a suspended tenant and a
   * policy without username-less starts all answer alike: no probing of what exists.
   */
  async browserStartUsernameless(
    tenantId: string,
    storeName: string,
    rpId: string,
    policyName: string,
    request: BrowserRequest,
  ): Promise<BrowserStartDto> {
    const ctx = this.browserContext(tenantId, request);
    let target: { store: { id: string; name: string }; rp: { id: string; rpId: string } };
    try {
      await this.assertTenantActive(tenantId);
      const { store, rp, policy } = await this.resolver.forAuthentication(
        ctx,
        storeName,
        rpId,
        policyName,
      );
      if (!policy.allowDiscoverable) throw noUsernamelessSignIn();
      target = { store: { id: store.id, name: store.name }, rp: { id: rp.id, rpId: rp.rpId } };
    } catch (error) {
      if (error instanceof DomainError && USERNAMELESS_TARGET_CODES.has(error.code)) {
        throw noUsernamelessSignIn();
      }
      throw error;
    }
    const tx = await this.mint(ctx, {
      ...target,
      userId: null,
      kind: TransactionKind.AUTHENTICATE,
      policyName,
      passkeyDisplayName: null,
      transactionData: null,
    });
    // just minted for an active tenant: no need to read it back
    return this.startCeremony(tx, request);
  }

  /** Finishes the ceremony; on success the transaction completes and a nonce is minted, atomically. */
  async browserFinish(
    transactionId: string,
    credential: object,
    request: BrowserRequest,
    scope?: TransactionScope,
  ): Promise<NonceDto> {
    const tx = await this.pending(transactionId, scope);
    // the body's shape depends on the transaction's kind: validated once that is known
    const body =
      tx.kind === TransactionKind.REGISTER
        ? await validateBody(CompleteRegistrationDto, credential)
        : await validateBody(CompleteAuthenticationDto, credential);
    if (!tx.sessionId)
      throw new DomainError(
        ErrorCode.TRANSACTION_NOT_STARTED,
        'Start the transaction before finishing it',
      );
    const ctx = this.browserContext(tx.tenantId, request);
    const nonce = random256();
    // the data as stored now: the challenge the user signed must commit to exactly this
    const dataHash = hashOf(tx.transactionData);
    // runs inside the ceremony's transaction: the nonce commits with the success, or neither does
    const onSuccess = async (
      outcome: {
        userId: string;
        externalId: string;
        passkeyId: string;
        userVerified: boolean;
        backedUp: boolean;
      },
      proof: CeremonyProof,
    ) => {
      if (!(await this.repository.complete(tx.tenantId, tx.id, tx.sessionId!, outcome.userId)))
        throw alreadyCompleted();
      // signed now, with the success: the redemption hands over this token, not a claim
      // rebuilt from rows that could have been altered since
      const signer = await this.results.signer(tx.tenantId);
      const resultToken = await signer.sign(
        {
          ...proof,
          transactionId: tx.id,
          transactionDataHash: dataHash?.toString('base64url') ?? null,
        },
        this.config.nonceTtlSeconds,
      );
      await this.repository.insertNonce({
        hash: hash(nonce),
        tenantId: tx.tenantId,
        storeId: tx.storeId,
        transactionId: tx.id,
        kind: tx.kind,
        userId: outcome.userId,
        externalId: outcome.externalId,
        passkeyId: outcome.passkeyId,
        userVerified: outcome.userVerified,
        backedUp: outcome.backedUp,
        transactionData: tx.transactionData,
        resultToken,
        proof: null,
        relyingPartyId: tx.relyingPartyId,
        policyName: tx.policyName,
        expiresAt: new Date(Date.now() + this.config.nonceTtlSeconds * 1000),
      });
    };
    const hook = { dataHash, onSuccess };
    try {
      if (tx.kind === TransactionKind.REGISTER) {
        await this.registration.completeStepUp(
          ctx,
          tx.storeName,
          tx.sessionId,
          body as CompleteRegistrationDto,
          hook,
        );
      } else {
        await this.authentication.completeStepUp(
          ctx,
          tx.storeName,
          tx.sessionId,
          body as CompleteAuthenticationDto,
          hook,
        );
      }
    } catch (error) {
      // A failed or replayed finish uses the transaction up: it is single use. A 5xx is no
      // verdict on the ceremony (a transient conflict says "retry"): the transaction stays.
      if (error instanceof DomainError && statusOf(error.code) < 500) {
        await this.repository.fail(tx.tenantId, tx.id);
      }
      throw error;
    }
    return { nonce };
  }

  // ----

  private async mint(
    ctx: RequestContext,
    t: {
      store: { id: string; name: string };
      rp: { id: string; rpId: string };
      userId: string | null;
      kind: TransactionKind;
      policyName: string;
      passkeyDisplayName: string | null;
      /** Canonical JSON (RFC 8785) of what the user approves. */
      transactionData: string | null;
    },
  ): Promise<StepUpTransactionEntity> {
    const tx = Object.assign(new StepUpTransactionEntity(), {
      id: random256(),
      tenantId: ctx.tenantId,
      storeId: t.store.id,
      storeName: t.store.name,
      relyingPartyId: t.rp.id,
      rpId: t.rp.rpId,
      userId: t.userId,
      kind: t.kind,
      policyName: t.policyName,
      passkeyDisplayName: t.passkeyDisplayName,
      transactionData: t.transactionData,
      status: TransactionStatus.PENDING,
      sessionId: null,
      expiresAt: new Date(Date.now() + this.config.transactionTtlSeconds * 1000),
      mintedByKeyId: ctx.principal.keyId,
      mintedByKeyFingerprint: ctx.principal.keyId
        ? (ctx.principal.secretFingerprint ?? null)
        : null,
    });
    // a browser's username-less start mints one too: its ceremony's events tell that story
    if (!ctx.principal.keyId) {
      await this.repository.insertTransaction(tx);
      return tx;
    }
    await this.host.run(async () => {
      await this.repository.insertTransaction(tx);
      await this.audit.record(ctx, {
        type: AuditEventType.TRANSACTION_CREATED,
        details: { kind: t.kind, userId: t.userId, rpId: t.rp.rpId },
      });
    });
    return tx;
  }

  private async pending(id: string, scope?: TransactionScope): Promise<StepUpTransactionEntity> {
    const found = await this.repository.findTransaction(id);
    const tx = found?.tx;
    // another app's (tenant's, relying party's) transaction is as unknown as a made-up id
    if (!found || !tx || (scope && !inScope(tx, scope))) {
      throw new DomainError(ErrorCode.TRANSACTION_NOT_FOUND, 'No such transaction');
    }
    await this.assertTenantActive(tx.tenantId);
    // the key that made it is blocked, archived, expired, deleted or holds another secret: the
    // transaction is refused, as that key's bearer tokens are (found by review)
    if (!mintingKeyUsable(tx, found.mintingKey, new Date())) {
      throw new DomainError(
        ErrorCode.TRANSACTION_NOT_FOUND,
        'The API key that made this transaction is no longer active',
      );
    }
    if (tx.status !== TransactionStatus.PENDING) throw alreadyCompleted();
    if (tx.expiresAt.getTime() <= Date.now()) {
      throw new DomainError(
        ErrorCode.TRANSACTION_EXPIRED,
        'The transaction has expired; ask the backend for a new one',
      );
    }
    return tx;
  }

  private async whyNotRedeemable(
    ctx: RequestContext,
    storeName: string,
    nonce: string,
    scope?: NonceScope,
  ): Promise<DomainError> {
    const state = await this.repository.nonceState(ctx.tenantId, storeName, hash(nonce), scope);
    // another tenant's or store's nonce is indistinguishable from an unknown one
    if (!state) return new DomainError(ErrorCode.NONCE_NOT_FOUND, 'Unknown nonce for this store');
    if (state.redeemedAt)
      return new DomainError(ErrorCode.NONCE_ALREADY_USED, 'The nonce was already redeemed');
    if (state.expired) return new DomainError(ErrorCode.NONCE_EXPIRED, 'The nonce has expired');
    // what the nonce proves no longer holds (the redemption checks the same)
    const since = 'since the ceremony: the nonce proves nothing now';
    if (state.userStatus === null)
      return new DomainError(ErrorCode.USER_NOT_FOUND, `The user was deleted ${since}`);
    const barred: Record<string, ErrorCode> = {
      LOCKED: ErrorCode.USER_LOCKED,
      DISABLED: ErrorCode.USER_DISABLED,
      TEMP_LOCKED: ErrorCode.USER_TEMP_LOCKED,
    };
    if (barred[state.userStatus])
      return new DomainError(barred[state.userStatus], `The user is ${state.userStatus} ${since}`);
    if (state.passkeyStatus !== 'ACTIVE')
      return new DomainError(
        ErrorCode.PASSKEY_NOT_ACTIVE,
        `The passkey is ${state.passkeyStatus ?? 'deleted'} ${since}`,
      );
    // unusable at the redemption, usable again at this read (or the other way round): retry
    return transientConflict();
  }

  /** A suspended tenant's transactions stop at once, like its API keys. */
  private async assertTenantActive(tenantId: string): Promise<void> {
    const status = await this.repository.tenantStatus(tenantId);
    assertTenantAdmits(tenantId, status, BROWSER);
  }

  private browserContext(tenantId: string, request: BrowserRequest): RequestContext {
    return { tenantId, principal: BROWSER, requestId: request.requestId, ip: request.ip };
  }
}

/** Why a valid nonce is not redeemed: what it proves no longer holds (`whyNotRedeemable`). */
export const NONCE_HOLDER_GONE = [
  ErrorCode.USER_NOT_FOUND,
  ErrorCode.USER_LOCKED,
  ErrorCode.USER_DISABLED,
  ErrorCode.USER_TEMP_LOCKED,
  ErrorCode.PASSKEY_NOT_ACTIVE,
];

/** The canonical JSON of validated transaction data (the DTO validator admitted it). */
function canonicalOrNull(data: Record<string, unknown> | undefined): string | null {
  return data === undefined ? null : canonicalTransactionData(data)!;
}

function hashOf(canonical: string | null): Buffer | null {
  return canonical === null ? null : transactionDataHash(canonical);
}

/** Never echoes the transaction id: it is a capability. */
function alreadyCompleted(): DomainError {
  return new DomainError(ErrorCode.TRANSACTION_ALREADY_COMPLETED, 'The transaction is used up');
}

/** A transaction's start that meets one of these: what it was made for is gone. */
const TARGET_GONE = new Set<string>([
  ErrorCode.STORE_NOT_FOUND,
  ErrorCode.RELYING_PARTY_NOT_FOUND,
  ErrorCode.REGISTRATION_POLICY_NOT_FOUND,
  ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
  ErrorCode.USER_NOT_FOUND,
]);

/** What the keyless username-less start must not tell apart. */
const USERNAMELESS_TARGET_CODES = new Set<string>([
  ErrorCode.TENANT_NOT_FOUND,
  ErrorCode.TENANT_SUSPENDED,
  ErrorCode.STORE_NOT_FOUND,
  ErrorCode.RELYING_PARTY_NOT_FOUND,
  ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
]);

function noUsernamelessSignIn(): DomainError {
  return new DomainError(
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    'No username-less sign-in is configured for this tenant, store, relying party and policy',
  );
}

/**
 * Whether the key that minted a transaction may still stand behind it: present, ACTIVE,
 * unexpired, with the secret it had (a platform key's secret is replaced by a new
 * IDS_PLATFORM_API_KEY). A transaction minted without a key has none to judge.
 */
export function mintingKeyUsable(
  tx: Pick<StepUpTransactionEntity, 'mintedByKeyId' | 'mintedByKeyFingerprint'>,
  key: MintingKeyState | undefined,
  now: Date,
): boolean {
  if (!tx.mintedByKeyId) return true;
  if (!key || key.status !== 'ACTIVE') return false;
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return false;
  return (
    !tx.mintedByKeyFingerprint || secretFingerprint(key.secretHash) === tx.mintedByKeyFingerprint
  );
}
