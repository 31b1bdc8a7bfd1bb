import { X509Certificate } from 'node:crypto';
import type { StatusReport } from '@simplewebauthn/server';
import { AAGUID_PATTERN } from '../common/text';

/** What registration needs to know about an authenticator model, from its FIDO metadata. */
export interface MetadataEntry {
  aaguid: string;
  description: string;
  /** base64 DER, as in the metadata statement's `attestationRootCertificates`. */
  rootCertificates: string[];
  /** The status of the most recent status report (from a BLOB); null when none. */
  latestStatus: string | null;
}

/** A parsed entry with the JSON that is kept in PostgreSQL. */
export interface ParsedEntry extends MetadataEntry {
  statement: Record<string, unknown>;
  statusReports: StatusReport[];
}

/** Latest status reports that mean an authenticator of this model must not be registered. */
export const COMPROMISED_STATUSES: readonly string[] = [
  'USER_VERIFICATION_BYPASS',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
  'REVOKED',
];

const MAX_ROOTS = 32;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The status of the report with the latest effectiveDate (the later one in the list on ties). */
export function latestStatus(reports: StatusReport[]): string | null {
  let latest: StatusReport | undefined;
  for (const report of reports) {
    if (!latest || (report.effectiveDate ?? '') >= (latest.effectiveDate ?? '')) latest = report;
  }
  return latest?.status ?? null;
}

/**
 * Checks a FIDO2 metadata statement (and its status reports) enough to use it: an AAGUID, a
 * description and root certificates that parse (node:crypto X509Certificate). Returns the
 * reason when it is not usable.
 */
export function parseEntry(
  statement: unknown,
  statusReports: unknown = [],
): ParsedEntry | { problem: string } {
  if (!isObject(statement)) return { problem: 'a metadata statement must be an object' };
  const { aaguid, description, attestationRootCertificates: roots } = statement;
  if (typeof aaguid !== 'string' || !AAGUID_PATTERN.test(aaguid))
    return { problem: 'aaguid must be an AAGUID (8-4-4-4-12 hex)' };
  if (typeof description !== 'string' || description.length < 1 || description.length > 255)
    return { problem: `${aaguid}: description must be 1-255 characters` };
  if (
    !Array.isArray(roots) ||
    roots.length < 1 ||
    roots.length > MAX_ROOTS ||
    !roots.every((r) => typeof r === 'string')
  )
    return { problem: `${aaguid}: attestationRootCertificates must be 1-${MAX_ROOTS} strings` };
  for (const root of roots as string[]) {
    try {
      new X509Certificate(Buffer.from(root, 'base64'));
    } catch {
      return { problem: `${aaguid}: an attestationRootCertificates entry is not a certificate` };
    }
  }
  if (!Array.isArray(statusReports) || !statusReports.every((r) => isObject(r)))
    return { problem: `${aaguid}: statusReports must be a list of objects` };
  // PostgreSQL jsonb cannot hold NUL or a lone surrogate (JSON.stringify escapes both)
  if (/\\u(0000|d[89a-f])/i.test(JSON.stringify([statement, statusReports])))
    return { problem: `${aaguid}: a string holds NUL or a lone surrogate` };
  const reports = statusReports as unknown as StatusReport[];
  if (!reports.every((r) => typeof r.status === 'string'))
    return { problem: `${aaguid}: every status report needs a status` };
  return {
    aaguid: aaguid.toLowerCase(),
    description,
    rootCertificates: roots as string[],
    latestStatus: latestStatus(reports),
    statement,
    statusReports: reports,
  };
}
