import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
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

  async loadBlob(jwt: string): Promise<MetadataLoadedDto> {
    const blob = await verifyMdsBlob(
      jwt,
      this.config.mdsRootCertificates,
      this.config.mdsSignerHost,
    );
    if (!(await this.repository.replaceBlob(blob.no, blob.nextUpdate, blob.entries))) {
      throw new DomainError(
        ErrorCode.METADATA_INVALID,
        `The metadata BLOB is refused: its number ${blob.no} is not greater than the loaded one`,
      );
    }
    return { loaded: blob.entries.length, skipped: blob.skipped, status: await this.status() };
  }

  async loadStatements(statements: unknown[]): Promise<MetadataLoadedDto> {
    const parsed: ParsedEntry[] = [];
    statements.forEach((statement, i) => {
      const entry = parseEntry(statement);
      if ('problem' in entry) throw DomainError.invalidField(`statements[${i}]`, entry.problem);
      parsed.push(entry);
    });
    await this.repository.upsertStatements(parsed);
    return { loaded: parsed.length, skipped: 0, status: await this.status() };
  }

  status(): Promise<MetadataStatusDto> {
    return this.repository.status();
  }
}
