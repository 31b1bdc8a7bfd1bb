// Users list latency with a million users in one store: `npm run bench:users [-- --users N]`.
// Starts the real app (embedded PostgreSQL under bench/.work unless DATABASE_URL is set), seeds
// users with INSERT ... SELECT generate_series, then times list requests over HTTP.
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { createApp } = require('../dist/app.factory.js');
const { createLogger } = require('../dist/common/logging/logger.js');
const { loadConfig } = require('../dist/config/app-config.js');
const { resolveDatabase } = require('../dist/database/database-target.js');
const { Client } = require('pg');

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '50' },
  },
});
const N = Number(values.users);
const RUNS = Number(values.runs);
const PLATFORM_KEY = 'bench-platform-key-0123456789abcdefghijklmnopqrstuvwxyz';

const config = loadConfig({
  ...process.env,
  IDS_DATA_DIR: 'bench/.work/users',
  IDS_EMBEDDED_PG_PORT: '54339',
  IDS_PLATFORM_API_KEY: PLATFORM_KEY,
  LOG_LEVEL: 'warn',
});
const logger = createLogger('warn');
const db = await resolveDatabase(config, logger);
const app = await createApp({ ...config, databaseUrl: db.url }, logger);
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${app.getHttpServer().address().port}/api/identity-store`;

async function api(method, path, { key = PLATFORM_KEY, tenant, body } = {}) {
  const headers = {
    'x-api-key': key,
    ...(tenant ? { 'x-tenant-id': tenant } : {}),
    ...(body ? { 'content-type': 'application/json' } : {}),
  };
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = res.status === 204 ? null : await res.json();
  if (res.status >= 300)
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const tenant = `bench-${Date.now()}`;
await api('POST', '/tenants', {
  body: { id: tenant, name: 'bench', limits: { maxUsers: N + 10, maxStores: 10 } },
});
await api('POST', '/stores', { tenant, body: { name: 'big' } });

const sql = new Client({ connectionString: db.url });
await sql.connect();
const [{ id: storeId }] = (await sql.query('SELECT id FROM stores WHERE tenant_id = $1', [tenant]))
  .rows;
let t0 = Date.now();
const statuses =
  "(ARRAY['ACTIVE','ACTIVE','ACTIVE','ACTIVE','ACTIVE','ACTIVE','ACTIVE','ACTIVE','PENDING_ACTIVE','DISABLED'])";
for (let from = 1; from <= N; from += 250000) {
  const to = Math.min(N, from + 249999);
  await sql.query(
    `INSERT INTO users (tenant_id, store_id, external_id, user_name, display_name, status, type, locale, time_zone, email, created_at)
     SELECT $1, $2, 'ext-' || g, 'user' || g || '@example.com', 'User ' || g, ${statuses}[1 + g % 10], 'USER', 'en-US', 'UTC',
            'user' || g || '@mail.example', now() - (g || ' seconds')::interval
     FROM generate_series($3::int, $4::int) g`,
    [tenant, storeId, from, to],
  );
}
await sql.query('UPDATE stores SET user_count = $2 WHERE id = $1', [storeId, N]);
await sql.query('UPDATE tenants SET user_count = $2 WHERE id = $1', [tenant, N]);
await sql.query('ANALYZE users');
const seedSeconds = (Date.now() - t0) / 1000;
// the cursor a walk holds after 200,000 users (what `next` would be there)
const deep = (
  await sql.query(
    `SELECT created_at::text AS v, id FROM users WHERE tenant_id = $1 AND store_id = $2
      ORDER BY created_at DESC, id DESC OFFSET $3 LIMIT 1`,
    [tenant, storeId, Math.min(199999, N - 21)],
  )
).rows[0];
const deepCursor = Buffer.from(JSON.stringify(['createdAt,desc', deep.v, deep.id])).toString(
  'base64url',
);
await sql.end();

const adminKey = (
  await api('POST', '/apiKeys', {
    tenant,
    body: { name: 'bench', permissions: [`TNT#${tenant}#IdentityStore:*`] },
  })
).key;
const cases = [
  ['first page (default sort createdAt desc)', '?size=20'],
  ['page 100', '?size=20&page=100'],
  ['page 10,000 (offset 200k)', '?size=20&page=10000'],
  ['cursor page after 200k (keyset)', `?limit=20&after=${deepCursor}`],
  ['sort userName asc', '?size=20&sort=userName,asc'],
  ['filter externalId', `?externalId=ext-${Math.floor(N / 2)}`],
  ['filter status=DISABLED (10%, counted)', '?status=DISABLED&size=20'],
  ['filter userName', `?userName=USER${Math.floor(N / 3)}@example.com`],
  ['free text q (prefix)', `?q=user12345`],
];
const pct = (xs, p) =>
  xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
console.log(
  `\nusers: ${N.toLocaleString('en')} in one store (seeded in ${seedSeconds.toFixed(1)} s); ${RUNS} requests per case over HTTP\n`,
);
console.log('| case | p50 ms | p95 ms | totalElements (cursor: items) |\n|---|---|---|---|');
for (const [label, query] of cases) {
  const times = [];
  let total = 0;
  for (let i = 0; i < RUNS + 3; i++) {
    t0 = performance.now();
    const page = await api('GET', `/stores/big/users${query}`, { key: adminKey });
    if (i >= 3) times.push(performance.now() - t0);
    total = page.totalElements ?? page.content.length;
  }
  console.log(
    `| ${label} | ${pct(times, 50).toFixed(1)} | ${pct(times, 95).toFixed(1)} | ${total.toLocaleString('en')} |`,
  );
}
try {
  await api('DELETE', `/tenants/${tenant}`);
} catch (error) {
  // a known limit: one DELETE cascading over a million users outlasts the statement timeout
  console.log(`\ncleanup: ${error.message.slice(0, 120)}`);
}
await app.close();
await db.stop();
