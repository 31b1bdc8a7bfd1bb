import { Injectable } from '@nestjs/common';
import { prepared, runPrepared } from '../database/prepared';
import { TransactionHost } from '../database/transaction-host';
import type { MetadataEntry, ParsedEntry } from './metadata-entry';
import { MetadataSource } from './metadata.entity';

/** An AAGUID's rows (BLOB and/or STATEMENT) as one JSON array: a sub-select for other reads. */
export const METADATA_ROWS = `coalesce(json_agg(json_build_object('source', source,
  'description', description, 'roots', statement -> 'attestationRootCertificates',
  'latestStatus', latest_status)), '[]')`;

const FIND = prepared(
  'metadata_find',
  `SELECT ${METADATA_ROWS} AS rows FROM authenticator_metadata WHERE aaguid = $1::uuid`,
);

interface MetadataRow {
  source: MetadataSource;
  description: string;
  roots: string[];
  latestStatus: string | null;
}

/**
 * Trust anchors and name from the operator's statement when there is one, else the BLOB's; the
 * status only from the (signed) BLOB.
 */
export function entryOf(aaguid: string, rows: MetadataRow[]): MetadataEntry | undefined {
  const blob = rows.find((r) => r.source === MetadataSource.BLOB);
  const own = rows.find((r) => r.source === MetadataSource.STATEMENT) ?? blob;
  if (!own) return undefined;
  return {
    aaguid,
    description: own.description,
    rootCertificates: own.roots,
    latestStatus: blob?.latestStatus ?? null,
  };
}

export interface MetadataStatus {
  blob: { no: number; nextUpdate: string; entries: number; loadedAt: string } | null;
  statements: number;
}

/** The FIDO metadata in PostgreSQL, shared by every instance. */
@Injectable()
export class MetadataRepository {
  constructor(private readonly host: TransactionHost) {}

  async find(aaguid: string): Promise<MetadataEntry | undefined> {
    const [row] = await runPrepared<{ rows: MetadataRow[] }[]>(this.host.executor, FIND, [aaguid]);
    return entryOf(aaguid, row?.rows ?? []);
  }

  /**
   * Replaces the BLOB's entries when `no` is greater than the last BLOB's; false (and nothing
   * written) otherwise. The row lock orders concurrent loads.
   */
  async replaceBlob(no: number, nextUpdate: string, entries: ParsedEntry[]): Promise<boolean> {
    return this.host.run(async () => {
      const m = this.host.manager;
      await m.query('LOCK TABLE metadata_blobs IN EXCLUSIVE MODE');
      const [last] = await m.query('SELECT no FROM metadata_blobs WHERE id = 1');
      if (last && last.no >= no) return false;
      await m.query('DELETE FROM authenticator_metadata WHERE source = $1', [MetadataSource.BLOB]);
      await this.insert(MetadataSource.BLOB, entries);
      await m.query(
        `INSERT INTO metadata_blobs (id, no, next_update, entries) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET no = $1, next_update = $2, entries = $3, loaded_at = now()`,
        [no, nextUpdate, entries.length],
      );
      return true;
    });
  }

  async upsertStatements(entries: ParsedEntry[]): Promise<void> {
    await this.host.run(() => this.insert(MetadataSource.STATEMENT, entries));
  }

  async status(): Promise<MetadataStatus> {
    const [blob] = await this.host.manager.query(
      'SELECT no, next_update::text AS next_update, entries, loaded_at FROM metadata_blobs WHERE id = 1',
    );
    const [{ count }] = await this.host.manager.query(
      'SELECT count(*)::int AS count FROM authenticator_metadata WHERE source = $1',
      [MetadataSource.STATEMENT],
    );
    return {
      blob: blob
        ? {
            no: blob.no,
            nextUpdate: blob.next_update,
            entries: blob.entries,
            loadedAt: new Date(blob.loaded_at).toISOString(),
          }
        : null,
      statements: count,
    };
  }

  /** In chunks: a BLOB holds thousands of entries. The last entry of an AAGUID wins. */
  private async insert(source: MetadataSource, all: ParsedEntry[]) {
    const m = this.host.manager;
    const entries = [...new Map(all.map((e) => [e.aaguid, e])).values()];
    for (let i = 0; i < entries.length; i += 500) {
      const chunk = entries.slice(i, i + 500);
      await m.query(
        `INSERT INTO authenticator_metadata (aaguid, source, description, statement, status_reports, latest_status)
         SELECT e.aaguid::uuid, $1, e.description, e.statement, e.status_reports, e.latest_status
           FROM jsonb_to_recordset($2::jsonb)
                AS e(aaguid text, description text, statement jsonb, status_reports jsonb, latest_status text)
         ON CONFLICT (aaguid, source) DO UPDATE SET description = EXCLUDED.description,
           statement = EXCLUDED.statement, status_reports = EXCLUDED.status_reports,
           latest_status = EXCLUDED.latest_status, loaded_at = now()`,
        [
          source,
          JSON.stringify(
            chunk.map((e) => ({
              aaguid: e.aaguid,
              description: e.description,
              statement: e.statement,
              status_reports: e.statusReports,
              latest_status: e.latestStatus,
            })),
          ),
        ],
      );
    }
  }
}
