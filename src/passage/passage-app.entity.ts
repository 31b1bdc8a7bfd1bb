import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A Passkey Flex app id mapped to one tenant, store, relying party and a registration and an
 * authentication policy (by name, like transactions): what the `/passage/v1` routes serve.
 */
@Entity('passage_apps')
@Index('ix_passage_apps_tenant_rp', ['tenantId', 'relyingPartyId'])
export class PassageAppEntity {
  /** Global: the keyless browser routes find the tenant by it. */
  @PrimaryColumn({ name: 'app_id', type: 'varchar', length: 64 })
  appId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 63 })
  tenantId!: string;

  @Column({ name: 'store_id', type: 'uuid' })
  storeId!: string;

  @Column({ name: 'relying_party_id', type: 'uuid' })
  relyingPartyId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'registration_policy', type: 'varchar', length: 63 })
  registrationPolicy!: string;

  @Column({ name: 'authentication_policy', type: 'varchar', length: 63 })
  authenticationPolicy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
