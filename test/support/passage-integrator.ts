import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { join } from 'node:path';

/**
 * A Passkey Flex integrator's app, moved to Identity Store the way docs/migrating-from-passage.md
 * says: its page loads the unmodified `@passageidentity/passage-flex-js` 1.0.2 bundle with one
 * string replaced (the SDK's base URL, as a bundler's define would), and its backend calls
 * `{IDS}/passage/v1` with the API key as `Authorization: Bearer`, as passage-flex-node did.
 */
export interface PassageIntegrator {
  origin: string;
  close(): Promise<void>;
}

const SDK_BASE = 'https://auth.passage.id/v1';

/** A file of an installed package (their `exports` do not expose package.json). */
function packageFile(pkg: string, file: string): string {
  return join(__dirname, '..', '..', 'node_modules', pkg, file);
}

/** The SDK's ESM bundle with its base URL replaced, and nothing else. */
export function rebasedSdk(base: string): string {
  const original = readFileSync(
    packageFile('@passageidentity/passage-flex-js', 'dist/index.js'),
    'utf8',
  );
  if (!original.includes(SDK_BASE)) throw new Error(`the SDK no longer contains ${SDK_BASE}`);
  return original.split(SDK_BASE).join(base);
}

const page = (
  appId: string,
) => `<!doctype html><html><head><meta charset="utf-8"><title>Flex shop</title>
<script src="/sdk/ua-parser.min.js"></script>
<script type="importmap">{"imports": {
  "@passageidentity/passage-flex-js": "/sdk/passage-flex-js.js",
  "@passageidentity/webauthnutils": "/sdk/webauthnutils.js",
  "ua-parser-js": "/sdk/ua-parser-shim.js"
}}</script></head><body><h1>Flex shop</h1>
<script type="module">
  import { PassageFlex } from '@passageidentity/passage-flex-js';
  const passage = new PassageFlex(${JSON.stringify(appId)});
  async function post(path, body) {
    const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const json = await res.json();
    if (!res.ok) throw new Error(path + ' ' + res.status + ' ' + JSON.stringify(json));
    return json;
  }
  // the integrator's code from Passage's docs (the 000 seed), unchanged
  window.flexRegister = async (externalId) => {
    const { transactionId } = await post('/passkey/register', { externalId });
    const nonce = await passage.passkey.register(transactionId);
    return post('/user/verify', { nonce });
  };
  window.flexStepUp = async (externalId) => {
    const { transactionId } = await post('/passkey/authenticate', { externalId });
    const nonce = await passage.passkey.authenticate({ transactionId });
    return post('/user/verify', { nonce });
  };
  window.flexUsernameless = async () => {
    const nonce = await passage.passkey.authenticate();
    return post('/user/verify', { nonce });
  };
  window.flexError = async (transactionId) => {
    try { await passage.passkey.register(transactionId); return 'no error'; }
    catch (error) { return { name: error.name, message: error.message, statusCode: error.statusCode }; }
  };
  window.ready = true;
</script></body></html>`;

async function readJson(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
}

export async function startPassageIntegrator(
  ids: string,
  appId: string,
  apiKey: string,
  port: number,
): Promise<PassageIntegrator> {
  const base = `${ids}/passage/v1`;
  const files: Record<string, string> = {
    '/sdk/passage-flex-js.js': rebasedSdk(base),
    '/sdk/webauthnutils.js': readFileSync(
      packageFile('@passageidentity/webauthnutils', 'dist/index.js'),
      'utf8',
    ),
    '/sdk/ua-parser.min.js': readFileSync(
      packageFile('ua-parser-js', 'dist/ua-parser.min.js'),
      'utf8',
    ),
    // ua-parser-js 1.x is UMD only: the classic script above defines window.UAParser
    '/sdk/ua-parser-shim.js': 'export default window.UAParser;\n',
  };
  // passage-flex-node's calls, with the API key as the bearer
  const passageApi = async (path: string, body: unknown) => {
    const res = await fetch(`${base}/apps/${appId}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, string> };
  };
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    try {
      if (req.method === 'GET' && req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(page(appId));
        return;
      }
      if (req.method === 'GET' && req.url && files[req.url] !== undefined) {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(files[req.url]);
        return;
      }
      const body = await readJson(req);
      if (req.url === '/passkey/register') {
        const r = await passageApi('/transactions/register', {
          external_id: body.externalId,
          passkey_display_name: `${body.externalId}@example.com`,
        });
        return send(r.status, r.status === 201 ? { transactionId: r.json.transaction_id } : r.json);
      }
      if (req.url === '/passkey/authenticate') {
        const r = await passageApi('/transactions/authenticate', { external_id: body.externalId });
        return send(r.status, r.status === 201 ? { transactionId: r.json.transaction_id } : r.json);
      }
      if (req.url === '/user/verify') {
        const r = await passageApi('/authenticate/verify', { nonce: body.nonce });
        return send(r.status, r.status === 200 ? { externalId: r.json.external_id } : r.json);
      }
      send(404, {});
    } catch (error) {
      send(500, { error: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
