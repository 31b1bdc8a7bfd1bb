import { ApiKeyEntity } from './api-keys/api-key.entity';
import { AuditEventEntity } from './audit/audit-event.entity';
import { AuditChainEntity } from './audit/audit-chain.entity';
import { AuthenticatorMetadataEntity, MetadataBlobEntity } from './attestation/metadata.entity';
import { SigningKeyEntity } from './access/tokens/signing-key.entity';
import { CeremonySessionEntity } from './passkeys/sessions/ceremony-session.entity';
import { PasskeyEntity } from './passkeys/credentials/passkey.entity';
import { UserHandleEntity } from './passkeys/credentials/user-handle.entity';
import { RateLimitEntity } from './rate-limit/rate-limit.entity';
import { NonceEntity } from './step-up/nonce.entity';
import { StepUpTransactionEntity } from './step-up/step-up-transaction.entity';
import { AuthenticationPolicyEntity } from './policies/authentication-policy.entity';
import { RegistrationPolicyEntity } from './policies/registration-policy.entity';
import { RelyingPartyEntity } from './relying-parties/relying-party.entity';
import { StoreEntity } from './stores/store.entity';
import { TenantEntity } from './tenants/tenant.entity';
import { UserEntity } from './users/user.entity';
import { TenantSigningKeyEntity } from './signing/tenant-signing-key.entity';
import { PassageAppEntity } from './passage/passage-app.entity';
import { WebhookDeliveryEntity } from './webhooks/webhook-delivery.entity';
import { WebhookEndpointEntity } from './webhooks/webhook-endpoint.entity';

import type { EntityClass } from './database/data-source-options';

/** Every TypeORM entity of the app; the migration CLI diffs the database against this list. */
export const ENTITIES: EntityClass[] = [
  TenantEntity,
  ApiKeyEntity,
  SigningKeyEntity,
  TenantSigningKeyEntity,
  AuditEventEntity,
  AuditChainEntity,
  StoreEntity,
  UserEntity,
  RelyingPartyEntity,
  RegistrationPolicyEntity,
  AuthenticationPolicyEntity,
  PasskeyEntity,
  UserHandleEntity,
  CeremonySessionEntity,
  StepUpTransactionEntity,
  NonceEntity,
  RateLimitEntity,
  AuthenticatorMetadataEntity,
  MetadataBlobEntity,
  PassageAppEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
];
