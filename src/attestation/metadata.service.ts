import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context';
import { TransactionHost } from '../database/transaction-host';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { APP_LOGGER, AppLogger } from '../common/logging/logger';
import { DomainError, ErrorCode } from '../common/errors';
import { MetadataLoadedDto, MetadataStatusDto } from './dto/metadata.dto';
import { verifyMdsBlob } from './mds-blob';
import { parseEntry, ParsedEntry } from './metadata-entry';
import { MetadataRepository } from './metadata.repository';

/**
 * The offline FIDO Metadata Service: an operator loads a BLOB (verified here) or statements;
 * both land in PostgreSQL, which every instance reads at registration. Nothing is downloaded.
 */
@Injectable()
export class MetadataService implements OnApplicationBootstrap {
  constructor(
    private readonly host: TransactionHost,
    private readonly audit: AuditService,
    private readonly repository: MetadataRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  /** IDS_MDS_BLOB_PATH: loaded when newer than the stored BLOB. A bad file is logged, not fatal:
   * the stored metadata stays in force. */
  async onApplicationBootstrap(): Promise<void> {
    const path = this.config.mdsBlobPath;
    if (!path) return;
    try {
      const blob = await verifyMdsBlob(
        await readFile(path, 'utf8'),
        this.config.mdsRootCertificates,
        this.config.mdsSignerHost,
      );
      const loaded = await this.repository.replaceBlob(blob.no, blob.nextUpdate, blob.entries);
      this.logger.info({ no: blob.no, entries: blob.entries.length, loaded }, 'MDS BLOB at boot');
    } catch (error) {
      this.logger.error(
        {
          code: error instanceof DomainError ? error.code : 'UNREADABLE',
          detail: (error as Error).message,
        },
        'IDS_MDS_BLOB_PATH was not loaded; the stored metadata stays in force',
      );
    }
  }

  async loadBlob(ctx: RequestContext, jwt: string): Promise<MetadataLoadedDto> {
    const blob = await verifyMdsBlob(
      jwt,
      this.config.mdsRootCertificates,
      this.config.mdsSignerHost,
    );
    await this.host.run(async () => {
      if (!(await this.repository.replaceBlob(blob.no, blob.nextUpdate, blob.entries))) {
        throw new DomainError(
          ErrorCode.METADATA_INVALID,
          `The metadata BLOB is refused: its number ${blob.no} is not greater than the loaded one`,
        );
      }
      await this.audit.record(ctx, {
        type: AuditEventType.AUTHENTICATOR_METADATA_LOADED,
        details: {
          source: 'BLOB',
          no: blob.no,
          nextUpdate: blob.nextUpdate,
          entries: blob.entries.length,
          skipped: blob.skipped,
        },
      });
    });
    return { loaded: blob.entries.length, skipped: blob.skipped, status: await this.status() };
  }

  async loadStatements(ctx: RequestContext, statements: unknown[]): Promise<MetadataLoadedDto> {
    const parsed: ParsedEntry[] = [];
    statements.forEach((statement, i) => {
      const entry = parseEntry(statement);
      if ('problem' in entry) throw DomainError.invalidField(`statements[${i}]`, entry.problem);
      parsed.push(entry);
    });
    await this.host.run(async () => {
      await this.repository.upsertStatements(parsed);
      await this.audit.record(ctx, {
        type: AuditEventType.AUTHENTICATOR_METADATA_LOADED,
        details: {
          source: 'STATEMENT',
          entries: parsed.length,
          aaguids: parsed.slice(0, 100).map((entry) => entry.aaguid),
        },
      });
    });
    return { loaded: parsed.length, skipped: 0, status: await this.status() };
  }

  status(): Promise<MetadataStatusDto> {
    return this.repository.status();
  }
}
