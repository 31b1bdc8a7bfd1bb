import { Injectable } from '@nestjs/common';
import { allows } from '../auth/permissions';
import type { RequestContext } from '../auth/request-context';
import { DomainError, ErrorCode } from '../common/errors';
import { PasskeysService } from '../passkeys/credentials/passkeys.service';
import { BrowserRequest, NONCE_HOLDER_GONE, StepUpService } from '../step-up/step-up.service';
import { TransactionKind } from '../step-up/step-up-transaction.entity';
import { effectiveStatus, UserStatus } from '../stores/user-status';
import {
  PassageAuthenticateStartDto,
  PassageAuthenticateTransactionDto,
  PassageDeviceDto,
  PassageDeviceListDto,
  PassageFinishDto,
  PassageNonceDto,
  PassageRegisterStartDto,
  PassageRegisterTransactionDto,
  PassageStartResponseDto,
  PassageTransactionDto,
  PassageUserDto,
  PassageUserItemDto,
  PassageUserListDto,
  PassageUsersQueryDto,
  PassageVerifiedDto,
} from './dto/passage-wire.dto';
import { authenticationResponse, registrationResponse, startEnvelope } from './handshake';
import { PassageAppsService } from './passage-apps.service';
import {
  PassageApp,
  PassageDeviceRow,
  PassageRepository,
  PassageUserRow,
} from './passage.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Passage's Passkey Flex API on top of step-up transactions and nonces: the same rows, the same
 * checks; only the routes, the app id and the shapes are Passage's. The handshake id is the
 * transaction id: it names the ceremony alone, as the SDK's username-less finish needs.
 */
@Injectable()
export class PassageService {
  constructor(
    private readonly apps: PassageAppsService,
    private readonly rows: PassageRepository,
    private readonly stepUp: StepUpService,
    private readonly passkeys: PasskeysService,
  ) {}

  // ---- browser (no key: the transaction id, or the app's public id for username-less) ----

  async registerStart(
    appId: string,
    body: PassageRegisterStartDto,
    request: BrowserRequest,
  ): Promise<PassageStartResponseDto> {
    const app = await this.apps.byId(appId);
    const started = await this.stepUp.browserStart(
      body.transaction_id,
      request,
      scopeOf(app, TransactionKind.REGISTER),
    );
    return startEnvelope(started.transactionId, started.clientRequest, started.transactionId);
  }

  registerFinish(
    appId: string,
    body: PassageFinishDto,
    request: BrowserRequest,
  ): Promise<PassageNonceDto> {
    return this.finish(appId, body, request, TransactionKind.REGISTER);
  }

  /** With a transaction: a step-up of that user; without: username-less (autofill too). */
  async authenticateStart(
    appId: string,
    body: PassageAuthenticateStartDto,
    request: BrowserRequest,
  ): Promise<PassageStartResponseDto> {
    const app = await this.apps.byId(appId);
    const started = body.transaction_id
      ? await this.stepUp.browserStart(
          body.transaction_id,
          request,
          scopeOf(app, TransactionKind.AUTHENTICATE),
        )
      : await this.stepUp.browserStartUsernameless(
          app.tenantId,
          app.storeName,
          app.rpId,
          app.authenticationPolicy,
          request,
        );
    return startEnvelope(started.transactionId, started.clientRequest, started.transactionId);
  }

  authenticateFinish(
    appId: string,
    body: PassageFinishDto,
    request: BrowserRequest,
  ): Promise<PassageNonceDto> {
    return this.finish(appId, body, request, TransactionKind.AUTHENTICATE);
  }

  /** The SDK's finish: its handshake translated to WebAuthn's JSON, then today's finish. */
  private async finish(
    appId: string,
    body: PassageFinishDto,
    request: BrowserRequest,
    kind: TransactionKind,
  ): Promise<PassageNonceDto> {
    const app = await this.apps.byId(appId);
    const translate =
      kind === TransactionKind.REGISTER ? registrationResponse : authenticationResponse;
    return this.stepUp.browserFinish(
      handshakeOf(body),
      { clientResponse: translate(body.handshake_response) },
      request,
      scopeOf(app, kind),
    );
  }

  // ---- backend (the tenant's API key, as Authorization: Bearer) ----

  /** Passage's register transaction: for a new user or one that exists (adds a passkey). */
  async createRegisterTransaction(
    ctx: RequestContext,
    appId: string,
    dto: PassageRegisterTransactionDto,
  ): Promise<PassageTransactionDto> {
    const app = await this.apps.inTenant(ctx, appId);
    const tx = await this.stepUp.createRegister(ctx, app.storeName, app.rpId, {
      externalId: dto.external_id,
      passkeyDisplayName: dto.passkey_display_name,
      registrationPolicy: app.registrationPolicy,
      allowExistingUser: true,
    });
    return { transaction_id: tx.transactionId };
  }

  async createAuthenticateTransaction(
    ctx: RequestContext,
    appId: string,
    dto: PassageAuthenticateTransactionDto,
  ): Promise<PassageTransactionDto> {
    const app = await this.apps.inTenant(ctx, appId);
    const active = await this.rows.activePasskeys(ctx.tenantId, app, dto.external_id);
    if (active === undefined) throw userNotFound();
    if (active === 0) {
      throw new DomainError(
        ErrorCode.NO_PASSKEYS,
        'The user has no passkey at this app: register one first',
      );
    }
    const tx = await this.stepUp.createAuthenticate(ctx, app.storeName, app.rpId, {
      externalId: dto.external_id,
      authenticationPolicy: app.authenticationPolicy,
    });
    return { transaction_id: tx.transactionId };
  }

  async verifyNonce(
    ctx: RequestContext,
    appId: string,
    nonce: string,
  ): Promise<PassageVerifiedDto> {
    const app = await this.apps.inTenant(ctx, appId);
    // only nonces of this app's relying party and policies: a nonce from a weaker policy of the
    // same store (say, without user verification) is not this app's proof
    const verified = await this.stepUp
      .verifyNonce(ctx, app.storeName, nonce, {
        relyingPartyId: app.relyingPartyId,
        registrationPolicy: app.registrationPolicy,
        authenticationPolicy: app.authenticationPolicy,
      })
      .catch((error: unknown) => {
        // Passage answered every unusable nonce alike (401 invalid_nonce), and its SDKs expect
        // that: a nonce whose user or passkey no longer qualifies is one, with the reason told
        if (error instanceof DomainError && NONCE_HOLDER_GONE.includes(error.code))
          throw new DomainError(
            ErrorCode.NONCE_NOT_FOUND,
            `The nonce cannot be redeemed: ${error.detail}`,
          );
        throw error;
      });
    return { external_id: verified.externalId, result_token: verified.resultToken };
  }

  async listUsers(
    ctx: RequestContext,
    appId: string,
    query: PassageUsersQueryDto,
  ): Promise<PassageUserListDto> {
    const app = await this.apps.inTenant(ctx, appId);
    const limit = query.limit ?? 20;
    const page = query.page ?? 1;
    const { users, total } = await this.rows.users(ctx.tenantId, app, {
      externalId: query.identifier,
      limit,
      offset: (page - 1) * limit,
    });
    const last = Math.max(1, Math.ceil(total / limit));
    const link = (p: number) => ({
      href: `/passage/v1/apps/${app.appId}/users?${new URLSearchParams({
        ...(query.identifier !== undefined ? { identifier: query.identifier } : {}),
        limit: String(limit),
        page: String(p),
      }).toString()}`,
    });
    return {
      _links: {
        first: link(1),
        last: link(last),
        next: link(Math.min(page + 1, last)),
        previous: link(Math.max(page - 1, 1)),
        self: link(page),
      },
      created_before: Math.floor(Date.now() / 1000),
      limit,
      page,
      total_users: total,
      users: users.map(userItem),
    };
  }

  async getUser(ctx: RequestContext, appId: string, userId: string): Promise<PassageUserDto> {
    const app = await this.apps.inTenant(ctx, appId);
    const user = await this.user(ctx, app, userId);
    // the devices are passkeys: shown only to a key that may also list passkeys
    const devices = mayListPasskeys(ctx)
      ? (await this.rows.devices(ctx.tenantId, app, user.id)).map(device)
      : [];
    return {
      user: {
        ...userItem(user),
        webauthn: user.passkeyCount > 0,
        webauthn_devices: devices,
        webauthn_types: [...new Set(devices.map((d) => d.type))],
        recent_events: [],
        social_connections: {},
      },
    };
  }

  async listDevices(
    ctx: RequestContext,
    appId: string,
    userId: string,
  ): Promise<PassageDeviceListDto> {
    const app = await this.apps.inTenant(ctx, appId);
    const user = await this.user(ctx, app, userId);
    return { devices: (await this.rows.devices(ctx.tenantId, app, user.id)).map(device) };
  }

  /** Revokes a device: deletes the passkey (audited like the API's passkey delete). */
  async deleteDevice(
    ctx: RequestContext,
    appId: string,
    userId: string,
    deviceId: string,
  ): Promise<void> {
    const app = await this.apps.inTenant(ctx, appId);
    const user = await this.user(ctx, app, userId);
    const devices = await this.rows.devices(ctx.tenantId, app, user.id);
    if (!devices.some((d) => d.id === deviceId)) {
      throw new DomainError(ErrorCode.PASSKEY_NOT_FOUND, 'The user has no such device');
    }
    await this.passkeys.delete(ctx, app.storeName, { id: user.id }, deviceId);
  }

  private async user(
    ctx: RequestContext,
    app: PassageApp,
    userId: string,
  ): Promise<PassageUserRow> {
    // our user ids are UUIDs; anything else (an old Passage id) is simply not a user here
    const user = UUID.test(userId) ? await this.rows.user(ctx.tenantId, app, userId) : undefined;
    if (!user) throw userNotFound();
    return user;
  }
}

function mayListPasskeys(ctx: RequestContext): boolean {
  return ctx.principal.permissions.some((held) => allows(held, ctx.tenantId, 'listPasskeys'));
}

function scopeOf(app: PassageApp, kind: TransactionKind) {
  return { tenantId: app.tenantId, relyingPartyId: app.relyingPartyId, kind };
}

/** The handshake id names the ceremony; a transaction id sent with it must be the same one. */
function handshakeOf(body: PassageFinishDto): string {
  // absent, null or "" (the SDKs send what they were given): the start had no transaction
  const transactionId = body.transaction_id || undefined;
  if (transactionId !== undefined && transactionId !== body.handshake_id) {
    throw new DomainError(
      ErrorCode.TRANSACTION_NOT_FOUND,
      'The handshake does not belong to this transaction',
    );
  }
  return body.handshake_id;
}

function userNotFound(): DomainError {
  return new DomainError(ErrorCode.USER_NOT_FOUND, 'User not found');
}

/**
 * Passage's time of a sign-in that never happened: Go's zero time, a string. The SDKs type
 * `last_login_at` as a non-null string (passage_flex for Rust fails to parse a null; Node's makes
 * it 1970), so "never" is this, as Passage answered.
 */
export const NEVER = '0001-01-01T00:00:00Z';
const lastLogin = (date: Date | null) => (date === null ? NEVER : date.toISOString());

function userItem(user: PassageUserRow): PassageUserItemDto {
  return {
    id: user.id,
    external_id: user.externalId,
    email: user.email ?? '',
    email_verified: false,
    phone: '',
    phone_verified: false,
    status:
      effectiveStatus({
        status: user.status as UserStatus,
        tempLockedUntil: user.tempLockedUntil,
      }) === UserStatus.ACTIVE
        ? 'active'
        : user.status === UserStatus.PENDING_ACTIVE
          ? 'pending'
          : 'inactive',
    login_count: user.loginCount,
    last_login_at: lastLogin(user.lastLoginAt),
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
    user_metadata: null,
  };
}

/**
 * Passage's device types: a synced passkey, a device-bound platform key, a security key. A passkey
 * whose backup eligibility is not known (imported without it, not used since) goes by its
 * transports.
 */
function device(row: PassageDeviceRow): PassageDeviceDto {
  const type = row.backupEligible
    ? 'passkey'
    : row.transports.includes('internal')
      ? 'platform'
      : 'security_key';
  return {
    id: row.id,
    cred_id: row.credentialId,
    friendly_name: row.displayName,
    type,
    usage_count: row.useCount,
    last_login_at: lastLogin(row.lastUsedAt),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    icons: { light: null, dark: null },
  };
}
