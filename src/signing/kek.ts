import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';

/** Where a development KEK is kept: beside the embedded database, readable by its owner only. */
export const DEV_KEK_FILE = 'signing-kek';

/**
 * The key-encryption key: IDS_KEK, or (outside production, where the config requires it) one
 * generated once and kept in the data directory, so a restart opens the keys it sealed.
 */
export function resolveKek(config: AppConfig): Buffer {
  if (config.kek) return config.kek;
  if (config.nodeEnv === 'production') throw new Error('IDS_KEK is required in production');
  const path = join(config.dataDir, DEV_KEK_FILE);
  mkdirSync(config.dataDir, { recursive: true });
  // written aside, then linked into place: two instances starting at once keep one whole key
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
  try {
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte key (base64)`);
  return key;
}
