import { Column, Entity, PrimaryColumn } from 'typeorm';

export enum MetadataSource {
  /** From a verified FIDO MDS BLOB: replaced as a whole by the next BLOB. */
  BLOB = 'BLOB',
  /** Loaded one by one by the operator; wins over the BLOB's statement for its AAGUID. */
  STATEMENT = 'STATEMENT',
}

/** FIDO metadata of one authenticator model. Global: not per tenant. */
@Entity('authenticator_metadata')
export class AuthenticatorMetadataEntity {
  @PrimaryColumn({ type: 'uuid' })
  aaguid!: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  source!: MetadataSource;

  @Column({ type: 'varchar', length: 255 })
  description!: string;

  @Column({ type: 'jsonb' })
  statement!: Record<string, unknown>;

  @Column({ name: 'status_reports', type: 'jsonb', default: () => "'[]'" })
  statusReports!: unknown[];

  @Column({ name: 'latest_status', type: 'varchar', length: 64, nullable: true })
  latestStatus!: string | null;

  @Column({ name: 'loaded_at', type: 'timestamptz', default: () => 'now()' })
  loadedAt!: Date;
}

/** The last BLOB loaded (one row): its number only grows. */
@Entity('metadata_blobs')
export class MetadataBlobEntity {
  @PrimaryColumn({ type: 'smallint', default: 1 })
  id!: number;

  @Column({ type: 'int' })
  no!: number;

  @Column({ name: 'next_update', type: 'date' })
  nextUpdate!: string;

  @Column({ type: 'int' })
  entries!: number;

  @Column({ name: 'loaded_at', type: 'timestamptz', default: () => 'now()' })
  loadedAt!: Date;
}
