import { createServer, IncomingMessage, Server } from 'node:http';

/**
 * A stand-in for an integrator's web app: it serves one page on http://localhost:PORT and its
 * backend calls the Identity Store API with an API key, exactly as a customer's server would.
 */
export interface Integrator {
  origin: string;
  close(): Promise<void>;
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head><body>
<h1>Shop</h1>
<script>
  async function post(path, body) {
    const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const json = await res.json();
    if (!res.ok) throw new Error(path + ' ' + res.status + ' ' + JSON.stringify(json));
    return json;
  }
  window.register = async (externalId) => {
    const started = await post('/backend/register/start', { externalId });
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(started.clientRequest);
    const credential = await navigator.credentials.create({ publicKey });
    return post('/backend/register/finish', { sessionId: started.sessionId, clientResponse: credential.toJSON() });
  };
  window.signIn = async (externalId) => {
    const started = await post('/backend/login/start', { externalId });
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(started.clientRequest);
    const credential = await navigator.credentials.get({ publicKey });
    return post('/backend/login/finish', { sessionId: started.sessionId, clientResponse: credential.toJSON() });
  };
  window.signInUsernameless = async () => {
    const started = await post('/backend/login/start', {});
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(started.clientRequest);
    const credential = await navigator.credentials.get({ publicKey });
    return post('/backend/login/finish', { sessionId: started.sessionId, clientResponse: credential.toJSON() });
  };
</script></body></html>`;

async function readJson(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
}

export async function startIntegrator(
  api: string,
  tenant: string,
  apiKey: string,
  port: number,
): Promise<Integrator> {
  const store = `${api}/api/identity-store/stores/shop`;
  const ext = (id: string) =>
    `${api}/api/identity-store/${tenant}/stores/shop/users/${encodeURIComponent(id)}/passkeys/relyingParties/localhost`;
  const idsPost = async (url: string, body: unknown) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.text() };
  };
  const server: Server = createServer(async (req, res) => {
    try {
      if (req.method === 'GET' && req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
        return;
      }
      const body = await readJson(req);
      let answer: { status: number; body: string };
      switch (req.url) {
        case '/backend/register/start':
          answer = await idsPost(`${ext(body.externalId)}/registrations/default/ext`, {
            createUser: true,
            userName: body.externalId,
          });
          break;
        case '/backend/register/finish':
          answer = await idsPost(`${store}/passkeys/registrations/sessions/${body.sessionId}`, {
            clientResponse: body.clientResponse,
          });
          break;
        case '/backend/login/start':
          answer = body.externalId
            ? await idsPost(`${ext(body.externalId)}/authentications/default/ext`, {})
            : await idsPost(
                `${store}/passkeys/relyingParties/localhost/authentications/default`,
                {},
              );
          break;
        case '/backend/login/finish':
          answer = await idsPost(`${store}/passkeys/authentications/sessions/${body.sessionId}`, {
            clientResponse: body.clientResponse,
          });
          break;
        default:
          answer = { status: 404, body: '{}' };
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    } catch (error) {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: String(error) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
