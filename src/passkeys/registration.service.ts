import { Injectable } from '@nestjs/common';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context';
import { DomainError, ErrorCode } from '../common/errors';
import { StoresService } from '../stores/stores.service';
import type { StoreEntity } from '../stores/store.entity';
import { UserEntity } from '../users/user.entity';
import { UserRef, UsersService } from '../users/users.service';
import { authenticatorName } from './ceremony/aaguid-names';
import { chooseChallenge, newUserHandle } from './ceremony/challenge';
import { registrationOptions } from './ceremony/options';
import { fromBase64Url } from './ceremony/prechecks';
import { verifyAttestation } from './ceremony/registration-ceremony';
import { CeremonyKind, CeremonySessionEntity, SessionStatus } from './ceremony-session.entity';
import { CeremonyResolver } from './ceremony-resolver';
import { CeremonySessions } from './ceremony-sessions';
import {
  CeremonySessionDto,
  RegistrationOutcomeDto,
  StartedCeremonyDto,
  StartExtRegistrationDto,
} from './dto/ceremony.dto';
import { CompleteRegistrationDto } from './dto/client-response.dto';
import { PasskeyEntity } from './passkey.entity';
import { assertMayUsePasskeys } from './user-gate';
import { UserHandleEntity } from './user-handle.entity';

interface StartTarget {
  storeName: string;
  rpId: string;
  regPolicyName: string;
}

@Injectable()
export class RegistrationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly resolver: CeremonyResolver,
    private readonly stores: StoresService,
    private readonly users: UsersService,
    private readonly sessions: CeremonySessions,
    private readonly audit: AuditService,
  ) {}

  async start(
    ctx: RequestContext,
    target: StartTarget,
    ref: UserRef,
    dto: StartExtRegistrationDto,
  ): Promise<StartedCeremonyDto> {
    const { store, rp, policy } = await this.resolver.forRegistration(
      ctx,
      target.storeName,
      target.rpId,
      target.regPolicyName,
    );
    const challenge = chooseChallenge(dto.challenge, policy.allowExternalChallenge);
    const session = await this.dataSource.transaction(async (m) => {
      const { user, created } = await this.userFor(ctx, m, store, ref, dto);
      assertMayUsePasskeys(user);
      const handle = await this.userHandle(m, user, rp.id, dto.userHandle);
      const existing = await m.getRepository(PasskeyEntity).find({
        select: { credentialId: true, transports: true, relyingPartyId: true },
        where: { userId: user.id },
      });
      await this.assertBelowCap(m, store.tenantId, existing.length);
      const clientRequest = await registrationOptions({
        rp: { id: rp.rpId, name: rp.name },
        user: {
          handle,
          name: dto.userName ?? user.userName,
          displayName: dto.displayName ?? user.displayName,
        },
        challenge,
        timeoutMs: policy.timeoutMs,
        authenticatorAttachment: policy.authenticatorAttachment,
        residentKey: policy.residentKey,
        userVerification: policy.userVerification,
        attestation: policy.attestation,
        algorithms: policy.algorithms,
        hints: policy.hints,
        excludeCredentials: policy.excludeExistingCredentials
          ? existing
              .filter((p) => p.relyingPartyId === rp.id)
              .map((p) => ({ id: p.credentialId, transports: p.transports }))
          : [],
      });
      const started = await this.sessions.create(m, {
        tenantId: ctx.tenantId,
        storeId: store.id,
        relyingPartyId: rp.id,
        kind: CeremonyKind.REGISTRATION,
        userId: user.id,
        challenge,
        clientRequest,
        snapshot: {
          rpId: rp.rpId,
          origins: rp.origins,
          policyName: policy.name,
          userVerification: policy.userVerification,
          algorithms: policy.algorithms,
          aaguidAllowList: policy.aaguidAllowList,
          userHandle: handle,
          passkeyDisplayName: dto.passkeyDisplayName ?? 'Passkey',
          createdUser: created,
        },
        expiresAt: new Date(Date.now() + policy.timeoutMs),
      });
      await this.audit.record(
        ctx,
        {
          type: AuditEventType.PASSKEY_REGISTRATION_STARTED,
          details: {
            sessionId: started.id,
            userId: user.id,
            rpId: rp.rpId,
            policy: policy.name,
            createdUser: created,
          },
        },
        m,
      );
      return started;
    });
    return {
      sessionId: session.id,
      clientRequest: session.clientRequest as Record<string, unknown>,
      expiresAt: session.expiresAt.toISOString(),
    };
  }

  /**
   * Completes the session. `onSuccess` runs inside the same database transaction, after the
   * ceremony's own writes: whatever it writes commits or rolls back with the success.
   */
  async complete(
    ctx: RequestContext,
    storeName: string,
    sessionId: string,
    dto: CompleteRegistrationDto,
    onSuccess?: (m: EntityManager, outcome: RegistrationOutcomeDto) => Promise<void>,
  ): Promise<RegistrationOutcomeDto> {
    const result = await this.dataSource.transaction(async (m) => {
      const { session } = await this.sessions.claim(
        m,
        ctx.tenantId,
        storeName,
        sessionId,
        CeremonyKind.REGISTRATION,
      );
      try {
        // The user row lock serialises a user's registrations, so the per-user cap holds.
        const user = await m
          .getRepository(UserEntity)
          .findOne({ where: { id: session.userId! }, lock: { mode: 'pessimistic_write' } });
        if (!user)
          throw new DomainError(
            ErrorCode.USER_NOT_FOUND,
            'The user of this session no longer exists',
          );
        assertMayUsePasskeys(user);
        const response = dto.clientResponse as unknown as RegistrationResponseJSON;
        if (response.rawId !== response.id)
          throw new DomainError(ErrorCode.VERIFICATION_FAILED, 'rawId and id differ');
        const credential = await verifyAttestation(response, {
          type: 'webauthn.create',
          challenge: session.challenge,
          rpId: session.snapshot.rpId,
          origins: session.snapshot.origins,
          requireUserVerification: session.snapshot.userVerification === 'required',
          algorithms: session.snapshot.algorithms ?? [],
          aaguidAllowList: session.snapshot.aaguidAllowList ?? [],
        });
        const count = await m.getRepository(PasskeyEntity).count({ where: { userId: user.id } });
        await this.assertBelowCap(m, session.tenantId, count);
        const [inserted] = (await m.query(
          `INSERT INTO passkeys (tenant_id, store_id, relying_party_id, user_id, credential_id, public_key, algorithm,
                                 sign_counter, aaguid, transports, backup_eligible, backed_up, attestation_format,
                                 display_name, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'ACTIVE')
           ON CONFLICT (relying_party_id, credential_id) DO NOTHING
           RETURNING id`,
          [
            session.tenantId,
            session.storeId,
            session.relyingPartyId,
            user.id,
            credential.credentialId,
            Buffer.from(credential.publicKey),
            credential.algorithm,
            credential.counter,
            credential.aaguid,
            credential.transports,
            credential.backupEligible,
            credential.backedUp,
            credential.attestationFormat,
            session.snapshot.passkeyDisplayName ?? 'Passkey',
          ],
        )) as { id: string }[];
        if (!inserted) {
          throw new DomainError(
            ErrorCode.CREDENTIAL_ALREADY_REGISTERED,
            'This credential is already registered at this relying party',
          );
        }
        const outcome: RegistrationOutcomeDto = {
          sessionId: session.id,
          status: 'SUCCEEDED',
          userId: user.id,
          externalId: user.externalId,
          passkeyId: inserted.id,
          credentialId: credential.credentialId,
          userVerified: credential.userVerified,
          backupEligible: credential.backupEligible,
          backedUp: credential.backedUp,
          aaguid: credential.aaguid,
          authenticatorName: authenticatorName(credential.aaguid),
          attestationFormat: credential.attestationFormat,
          createdUser: session.snapshot.createdUser ?? false,
        };
        await this.sessions.end(m, session.id, {
          status: SessionStatus.SUCCEEDED,
          outcome: { ...outcome },
        });
        await this.audit.record(
          ctx,
          {
            type: AuditEventType.PASSKEY_REGISTRATION_SUCCEEDED,
            details: { sessionId: session.id, userId: user.id, passkeyId: inserted.id },
          },
          m,
        );
        if (onSuccess) await onSuccess(m, outcome);
        return { outcome };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        await this.recordFailure(ctx, m, session, error);
        return { error };
      }
    });
    if (result.error) throw result.error;
    return result.outcome!;
  }

  get(ctx: RequestContext, storeName: string, sessionId: string): Promise<CeremonySessionDto> {
    return this.stores
      .find(ctx, storeName)
      .then((store) => this.sessions.get(store, sessionId, CeremonyKind.REGISTRATION));
  }

  cancel(ctx: RequestContext, storeName: string, sessionId: string): Promise<CeremonySessionDto> {
    return this.stores
      .find(ctx, storeName)
      .then((store) => this.sessions.cancel(store, sessionId, CeremonyKind.REGISTRATION));
  }

  /** The user of the start; the /ext form may create it when asked to (`createUser: true`). */
  private async userFor(
    ctx: RequestContext,
    m: EntityManager,
    store: StoreEntity,
    ref: UserRef,
    dto: StartExtRegistrationDto,
  ): Promise<{ user: UserEntity; created: boolean }> {
    try {
      return { user: await this.users.find(ctx, store, ref, m), created: false };
    } catch (error) {
      if (
        !(error instanceof DomainError) ||
        error.code !== ErrorCode.USER_NOT_FOUND ||
        !dto.createUser ||
        !('externalId' in ref)
      ) {
        throw error;
      }
      const userName = dto.userName ?? ref.externalId;
      const user = await this.users.insert(m, store, {
        externalId: ref.externalId,
        userName,
        displayName: dto.displayName,
      });
      return { user, created: true };
    }
  }

  /** The user's handle at this relying party: made once (random unless given), then kept. */
  private async userHandle(
    m: EntityManager,
    user: UserEntity,
    relyingPartyId: string,
    requested?: string,
  ): Promise<string> {
    if (requested !== undefined) {
      const bytes = fromBase64Url(requested).length;
      if (bytes < 1 || bytes > 64)
        throw DomainError.invalidField('userHandle', 'must decode to 1-64 bytes');
    }
    const repo = m.getRepository(UserHandleEntity);
    await repo
      .createQueryBuilder()
      .insert()
      .values({ userId: user.id, relyingPartyId, handle: requested ?? newUserHandle() })
      .orIgnore()
      .execute();
    const kept = await repo.findOne({ where: { userId: user.id, relyingPartyId } });
    if (!kept || (requested !== undefined && kept.handle !== requested)) {
      throw new DomainError(
        ErrorCode.USER_HANDLE_MISMATCH,
        'The user already has another handle at this relying party, or the handle is taken',
        {
          errors: [
            {
              field: 'userHandle',
              in: 'body',
              message: 'does not match the user handle at this relying party',
            },
          ],
        },
      );
    }
    return kept.handle;
  }

  private async assertBelowCap(m: EntityManager, tenantId: string, count: number): Promise<void> {
    const [{ max }] = (await m.query(
      'SELECT max_passkeys_per_user AS max FROM tenants WHERE id = $1',
      [tenantId],
    )) as { max: number }[];
    if (count >= max) {
      throw new DomainError(
        ErrorCode.MAX_PASSKEYS_EXCEEDED,
        `The user already has the maximum of ${max} passkeys`,
      );
    }
  }

  private async recordFailure(
    ctx: RequestContext,
    m: EntityManager,
    session: CeremonySessionEntity,
    error: DomainError,
  ): Promise<void> {
    await this.sessions.end(m, session.id, { status: SessionStatus.FAILED, failure: error });
    await this.audit.record(
      ctx,
      {
        type: AuditEventType.PASSKEY_REGISTRATION_FAILED,
        details: { sessionId: session.id, userId: session.userId, code: error.code },
      },
      m,
    );
  }
}
