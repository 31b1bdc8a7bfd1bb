import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Fixed-window request counters, shared by every instance through the database. */
@Entity('rate_limits')
@Index('ix_rate_limits_window', ['windowStart'])
export class RateLimitEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  key!: string;

  @Column({ name: 'window_start', type: 'timestamptz' })
  windowStart!: Date;

  @Column({ type: 'int' })
  count!: number;
}
