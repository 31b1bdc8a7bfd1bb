import { isIP } from 'node:net';
import { accessSync, constants, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { resolve } from 'node:path';
import { SettingsService } from '@simplewebauthn/server';
import { parseMultiHostUrl } from './multi-host-url';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type NodeEnv = 'development' | 'production' | 'test';

/** The service's whole configuration, read once from the environment and validated at boot. */
export interface AppConfig {
  readonly nodeEnv: NodeEnv;
  readonly port: number;
  readonly host: string;
  /** `undefined` means: start the embedded PostgreSQL under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly platformApiKey: string | undefined;
  readonly logLevel: LogLevel;
  readonly dataDir: string;
  readonly embeddedPgPort: number;
  readonly bodyLimitBytes: number;
  /** The body limit of the credential import route alone (a batch is bigger than any other body). */
  readonly importBodyLimitBytes: number;
  readonly dbPoolSize: number;
  readonly dbConnectTimeoutMs: number;
  readonly dbStatementTimeoutMs: number;
  readonly corsOrigins: readonly string[];
  readonly swaggerEnabled: boolean;
  readonly metricsEnabled: boolean;
  /** When set, `/metrics` answers only `Authorization: Bearer <this token>` (never logged). */
  readonly metricsToken: string | undefined;
  /** When set, `/metrics` is served on this port (same HOST) instead of the API's port. */
  readonly metricsPort: number | undefined;
  /**
   * Which hops may set X-Forwarded-For: false (none), a hop count, or the proxies' addresses or
   * CIDRs. Never "every hop": then any caller picks its own client IP.
   */
  readonly trustProxy: false | number | string[];
  readonly tokenTtlSeconds: number;
  readonly transactionTtlSeconds: number;
  readonly nonceTtlSeconds: number;
  readonly browserRateLimit: number;
  readonly browserRateLimitWindowSeconds: number;
  readonly purgeIntervalSeconds: number;
  readonly purgeGraceSeconds: number;
  readonly auditRetentionDays: number;
  /** How often each instance seals new audit events into their chains (ms; 0: only on demand). */
  readonly auditSealIntervalMs: number;
  readonly rateLimitPerKey: number;
  readonly rateLimitPerIp: number;
  /**
   * How far V8 lets its heap grow past what survived the last full collection before it collects
   * again (percent; 0: V8's own choice, up to 300 % on a machine with much memory). See
   * `applyHeapGrowth`.
   */
  readonly heapGrowingPercent: number;
  /**
   * The demo site: by default on in development, but only while HOST is a loopback address;
   * listening beyond loopback it needs IDS_DEMO_ENABLED=true set explicitly.
   */
  readonly demoEnabled: boolean;
  /** PEM roots a FIDO MDS BLOB must chain to (default: FIDO's, as SimpleWebAuthn ships them). */
  readonly mdsRootCertificates: readonly string[];
  /** The host name the MDS BLOB's signing certificate must be issued to. */
  readonly mdsSignerHost: string;
  /** A MDS BLOB file loaded at boot when newer than the one in the database. */
  readonly mdsBlobPath: string | undefined;
  /**
   * The key-encryption key (32 bytes) that seals every private signing key at rest. Required in
   * production; elsewhere, when absent, one is generated and kept beside the embedded database.
   */
  readonly kek: Buffer | undefined;
  /** The service's public URL: the `iss` of the result tokens it signs. */
  readonly publicUrl: string;
  /** Lifetime of a result token (seconds): short, it proves one ceremony. */
  readonly resultTokenTtlSeconds: number;
  /** How long a rotated-out tenant key stays published by default (seconds). */
  readonly signingKeyOverlapSeconds: number;
  /** Webhooks: how often each instance looks for due deliveries (ms); 0 turns its sender off. */
  readonly webhookPollMs: number;
  /** Webhooks: deliveries one instance sends at once. */
  readonly webhookConcurrency: number;
  /** Webhooks: deliveries of one endpoint one instance has on the wire at once (fairness). */
  readonly webhookEndpointConcurrency: number;
  /** Webhooks: deliveries of one tenant one instance has on the wire at once (fairness). */
  readonly webhookTenantConcurrency: number;
  /** Webhooks: the whole of one request (connect, send, answer), ms. */
  readonly webhookTimeoutMs: number;
  /** Webhooks: how long a claimed delivery is an instance's before another may send it (ms). */
  readonly webhookLeaseMs: number;
  /** Webhooks: attempts of a delivery before it is FAILED (the defaults span over 24 hours). */
  readonly webhookMaxAttempts: number;
  /** Webhooks: the first retry's delay (ms); it doubles per attempt up to the cap. */
  readonly webhookRetryBaseMs: number;
  readonly webhookRetryCapMs: number;
  /** Webhooks: how long finished deliveries stay in the delivery log (days). */
  readonly webhookRetentionDays: number;
  /**
   * Webhooks (SSRF): private, loopback and link-local targets are refused unless allowed here:
   * `true` (all of them) or a list of CIDRs.
   */
  readonly webhookAllowPrivateTargets: boolean | readonly string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates the configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);
  const config: AppConfig = {
    nodeEnv: read.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development'),
    port: read.int('PORT', 3000, 0, 65535),
    host: read.string('HOST', '127.0.0.1'),
    databaseUrl: read.databaseUrl('DATABASE_URL'),
    platformApiKey: read.secret('IDS_PLATFORM_API_KEY', 32),
    logLevel: read.oneOf(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    dataDir: resolve(read.string('IDS_DATA_DIR', '.data')),
    embeddedPgPort: read.int('IDS_EMBEDDED_PG_PORT', 54329, 1, 65535),
    bodyLimitBytes: read.int('IDS_BODY_LIMIT_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    importBodyLimitBytes: read.int(
      'IDS_IMPORT_BODY_LIMIT_BYTES',
      16 * 1024 * 1024,
      1024,
      64 * 1024 * 1024,
    ),
    dbPoolSize: read.int('IDS_DB_POOL_SIZE', 20, 1, 500),
    dbConnectTimeoutMs: read.int('IDS_DB_CONNECT_TIMEOUT_MS', 2000, 100, 60000),
    dbStatementTimeoutMs: read.int('IDS_DB_STATEMENT_TIMEOUT_MS', 10000, 100, 600000),
    corsOrigins: read.origins('IDS_CORS_ORIGINS'),
    swaggerEnabled: read.bool('IDS_SWAGGER_ENABLED', true),
    metricsEnabled: read.bool('IDS_METRICS_ENABLED', true),
    metricsToken: read.secret('IDS_METRICS_TOKEN', 32),
    metricsPort: read.optionalInt('IDS_METRICS_PORT', 1, 65535),
    trustProxy: read.trustProxy('IDS_TRUST_PROXY'),
    tokenTtlSeconds: read.int('IDS_TOKEN_TTL_SECONDS', 900, 60, 86400),
    transactionTtlSeconds: read.int('IDS_TRANSACTION_TTL_SECONDS', 300, 10, 3600),
    nonceTtlSeconds: read.int('IDS_NONCE_TTL_SECONDS', 300, 10, 3600),
    browserRateLimit: read.int('IDS_BROWSER_RATE_LIMIT', 60, 1, 100000),
    browserRateLimitWindowSeconds: read.int('IDS_BROWSER_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 3600),
    purgeIntervalSeconds: read.int('IDS_PURGE_INTERVAL_SECONDS', 60, 0, 86400),
    purgeGraceSeconds: read.int('IDS_PURGE_GRACE_SECONDS', 3600, 0, 30 * 86400),
    auditRetentionDays: read.int('IDS_AUDIT_RETENTION_DAYS', 365, 1, 36500),
    auditSealIntervalMs: read.int('IDS_AUDIT_SEAL_INTERVAL_MS', 1000, 0, 600_000),
    rateLimitPerKey: read.int('IDS_RATE_LIMIT_PER_KEY', 60000, 0, 10_000_000),
    rateLimitPerIp: read.int('IDS_RATE_LIMIT_PER_IP', 30000, 0, 10_000_000),
    heapGrowingPercent: read.int('IDS_HEAP_GROWING_PERCENT', 100, 0, 1000),
    demoEnabled: false,
    mdsRootCertificates: read.pemCertificates('IDS_MDS_ROOT_CERTS'),
    mdsSignerHost: read.string('IDS_MDS_SIGNER_HOST', 'mds.fidoalliance.org'),
    mdsBlobPath: read.filePath('IDS_MDS_BLOB_PATH'),
    kek: read.key256('IDS_KEK'),
    publicUrl: '',
    resultTokenTtlSeconds: read.int('IDS_RESULT_TOKEN_TTL_SECONDS', 300, 30, 3600),
    signingKeyOverlapSeconds: read.int(
      'IDS_SIGNING_KEY_OVERLAP_SECONDS',
      7 * 86400,
      MIN_SIGNING_KEY_OVERLAP_SECONDS,
      365 * 86400,
    ),
    webhookPollMs: read.int('IDS_WEBHOOK_POLL_MS', 1000, 0, 60_000),
    webhookConcurrency: read.int('IDS_WEBHOOK_CONCURRENCY', 16, 1, 256),
    webhookEndpointConcurrency: read.int('IDS_WEBHOOK_ENDPOINT_CONCURRENCY', 8, 1, 256),
    webhookTenantConcurrency: read.int('IDS_WEBHOOK_TENANT_CONCURRENCY', 8, 1, 256),
    webhookTimeoutMs: read.int('IDS_WEBHOOK_TIMEOUT_MS', 15_000, 100, 60_000),
    webhookLeaseMs: read.int('IDS_WEBHOOK_LEASE_MS', 60_000, 1000, 3_600_000),
    webhookMaxAttempts: read.int('IDS_WEBHOOK_MAX_ATTEMPTS', 35, 1, 1000),
    webhookRetryBaseMs: read.int('IDS_WEBHOOK_RETRY_BASE_MS', 5000, 10, 3_600_000),
    webhookRetryCapMs: read.int('IDS_WEBHOOK_RETRY_CAP_MS', 7_200_000, 10, 86_400_000),
    webhookRetentionDays: read.int('IDS_WEBHOOK_RETENTION_DAYS', 30, 1, 3650),
    webhookAllowPrivateTargets: read.targets('IDS_WEBHOOK_ALLOW_PRIVATE_TARGETS'),
  };
  (config as { publicUrl: string }).publicUrl = read.publicUrl(
    'IDS_PUBLIC_URL',
    `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`,
  );
  if (config.nodeEnv === 'production' && !config.kek && !env.IDS_KEK?.trim()) {
    problems.push(
      'IDS_KEK is required in production: 32 random bytes in base64 (e.g. `openssl rand -base64 32`); it encrypts the signing keys at rest',
    );
  }
  if (config.signingKeyOverlapSeconds < minSigningKeyOverlapSeconds(config)) {
    problems.push(
      `IDS_SIGNING_KEY_OVERLAP_SECONDS must be at least ${minSigningKeyOverlapSeconds(config)} (IDS_RESULT_TOKEN_TTL_SECONDS + IDS_NONCE_TTL_SECONDS + 360): tokens signed by a retired key must still verify`,
    );
  }
  // the default timeout is 15 s (it was 10 s): a lease set between 10 and 20 s without a timeout
  // keeps the old 10 s, so what started before still starts, with its margin (review)
  if (
    !env.IDS_WEBHOOK_TIMEOUT_MS?.trim() &&
    config.webhookLeaseMs > 10_000 &&
    config.webhookLeaseMs <= 20_000
  ) {
    (config as { webhookTimeoutMs: number }).webhookTimeoutMs = 10_000;
  }
  if (config.webhookLeaseMs <= config.webhookTimeoutMs) {
    problems.push(
      'IDS_WEBHOOK_LEASE_MS must be longer than IDS_WEBHOOK_TIMEOUT_MS (a claimed delivery must outlive its request)',
    );
  }
  if (config.metricsPort !== undefined && config.metricsPort === config.port) {
    problems.push(
      'IDS_METRICS_PORT must differ from PORT (leave it unset to serve /metrics on PORT)',
    );
  }
  // the demo creates a tenant and keys anyone can use: never exposed without an explicit yes
  (config as { demoEnabled: boolean }).demoEnabled = read.bool(
    'IDS_DEMO_ENABLED',
    config.nodeEnv === 'development' && isLoopback(config.host),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Whether a listen address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  private fail<T>(name: string, message: string, fallback: T): T {
    this.problems.push(`${name} ${message}`);
    return fallback;
  }

  /** `false` / `0`: trust no proxy; `N`: N hops; else a comma-separated list of IPs or CIDRs. */
  trustProxy(name: string): false | number | string[] {
    const raw = this.raw(name);
    if (raw === undefined || raw === 'false' || raw === '0') return false;
    if (/^\d+$/.test(raw) && Number(raw) <= 10) return Number(raw);
    const list = raw.split(',').map((item) => item.trim());
    const bad = list.filter((item) => {
      const [address, bits, extra] = item.split('/');
      const family = isIP(address);
      const max = family === 6 ? 128 : 32;
      return (
        family === 0 ||
        extra !== undefined ||
        (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))
      );
    });
    if (bad.length === 0) return list;
    return this.fail(
      name,
      `must be false, a hop count (1-10) or a comma-separated list of proxy IPs or CIDRs, e.g. "1" or "10.0.0.0/8" (got "${raw}"; "true" would let any caller choose its own client IP)`,
      false,
    );
  }

  /** `false` (default) / `true`, or a comma-separated list of CIDRs (`127.0.0.0/8,fd00::/8`). */
  targets(name: string): boolean | string[] {
    const raw = this.raw(name);
    if (raw === undefined || raw.toLowerCase() === 'false') return false;
    if (raw.toLowerCase() === 'true') return true;
    const list = raw.split(',').map((item) => item.trim());
    const bad = list.filter((item) => {
      const [address, bits, extra] = item.split('/');
      const family = isIP(address);
      const max = family === 6 ? 128 : 32;
      return (
        family === 0 || extra !== undefined || !(/^\d+$/.test(bits ?? '') && Number(bits) <= max)
      );
    });
    if (bad.length === 0) return list;
    return this.fail(
      name,
      `must be false, true or a comma-separated list of CIDRs, e.g. "127.0.0.0/8" (bad: ${bad.join(', ')})`,
      false,
    );
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      return this.fail(name, `must be an integer from ${min} to ${max} (got "${raw}")`, fallback);
    }
    return value;
  }

  /** An integer in [min, max], or undefined when unset. */
  optionalInt(name: string, min: number, max: number): number | undefined {
    return this.raw(name) === undefined ? undefined : this.int(name, min, min, max);
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    return this.fail(name, `must be true or false (got "${raw}")`, fallback);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    return this.fail(name, `must be one of ${allowed.join(', ')} (got "${raw}")`, fallback);
  }

  databaseUrl(name: string): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    try {
      // the libpq multi-host form (h1:5432,h2:5432, target_session_attrs) is checked first
      const multiHost = /^postgres(ql)?:\/\//i.test(raw) ? parseMultiHostUrl(raw) : undefined;
      const url = new URL(multiHost?.firstHostUrl ?? raw);
      if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
        return this.fail(name, 'must be a postgres:// or postgresql:// URL', undefined);
      }
      return raw;
    } catch (error) {
      if (/target_session_attrs/.test((error as Error).message)) {
        return this.fail(name, (error as Error).message, undefined);
      }
      // never echo the value: it may hold a password
      return this.fail(name, 'must be a valid postgres:// URL', undefined);
    }
  }

  secret(name: string, minLength: number): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    if (raw.length < minLength || !/^[\x21-\x7e]+$/.test(raw)) {
      return this.fail(
        name,
        `must be at least ${minLength} printable characters without spaces`,
        undefined,
      );
    }
    return raw;
  }

  /** A PEM file of one or more certificates; absent: the FIDO MDS roots SimpleWebAuthn ships. */
  pemCertificates(name: string): string[] {
    const path = this.raw(name);
    if (path === undefined) return SettingsService.getRootCertificates({ identifier: 'mds' });
    let pems: string[];
    try {
      pems =
        readFileSync(path, 'utf8').match(
          /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
        ) ?? [];
      pems.forEach((pem) => new X509Certificate(pem));
    } catch {
      return this.fail(name, `must name a readable PEM file of certificates (got "${path}")`, []);
    }
    if (pems.length === 0) return this.fail(name, `holds no PEM certificate ("${path}")`, []);
    return pems;
  }

  filePath(name: string): string | undefined {
    const path = this.raw(name);
    if (path === undefined) return undefined;
    try {
      accessSync(path, constants.R_OK);
      return resolve(path);
    } catch {
      return this.fail(name, `must name a readable file (got "${path}")`, undefined);
    }
  }

  /** 32 bytes, as base64, base64url or 64 hex digits. Never echoed: it is a secret. */
  key256(name: string): Buffer | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    const bytes = /^[0-9a-f]{64}$/i.test(raw)
      ? Buffer.from(raw, 'hex')
      : /^[A-Za-z0-9+/_-]{43}=?$/.test(raw)
        ? Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
        : undefined;
    if (bytes?.length === 32) return bytes;
    return this.fail(
      name,
      'must be 32 random bytes as base64 (44 characters, e.g. `openssl rand -base64 32`) or 64 hex digits',
      undefined,
    );
  }

  /** An absolute http(s) URL without query or fragment; the trailing slash is dropped. */
  publicUrl(name: string, fallback: string): string {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    try {
      const url = new URL(raw);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash) {
        return url.href.replace(/\/$/, '');
      }
    } catch {
      // reported below
    }
    return this.fail(
      name,
      `must be an absolute http(s) URL, e.g. https://id.example.com (got "${raw}")`,
      fallback,
    );
  }

  origins(name: string): string[] {
    const raw = this.raw(name);
    if (raw === undefined) return [];
    const origins = raw.split(',').map((part) => part.trim());
    const bad = origins.filter((origin) => !/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(origin));
    if (bad.length > 0) {
      return this.fail(
        name,
        `must be a comma-separated list of origins (bad: ${bad.join(', ')})`,
        [],
      );
    }
    return origins;
  }
}

/**
 * The shortest overlap a rotated-out signing key may have: a token signed with it (lifetime at
 * most 3600 s) must still verify, and JWKS caches (max-age 300 s) must have seen the new key.
 */
export const MIN_SIGNING_KEY_OVERLAP_SECONDS = 3600 + 300 + 60;

/**
 * The shortest overlap under this configuration: a step-up's result token lives its TTL plus the
 * nonce's (it waits for the redemption), up to 7200 s when both are at their maximum (review).
 */
export function minSigningKeyOverlapSeconds(
  config: Pick<AppConfig, 'resultTokenTtlSeconds' | 'nonceTtlSeconds'>,
): number {
  return Math.max(
    MIN_SIGNING_KEY_OVERLAP_SECONDS,
    config.resultTokenTtlSeconds + config.nonceTtlSeconds + 300 + 60,
  );
}

/** Nest injection token for the AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
