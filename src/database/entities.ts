import { ApiKeyEntity } from '../api-keys/api-key.entity';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { SigningKeyEntity } from '../auth/tokens/signing-key.entity';
import { TenantEntity } from '../tenants/tenant.entity';

/** Every TypeORM entity of the app; the migration CLI diffs the database against this list. */
export const ENTITIES: (new () => unknown)[] = [
  TenantEntity,
  ApiKeyEntity,
  SigningKeyEntity,
  AuditEventEntity,
];
