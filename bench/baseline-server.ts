/**
 * The bare baseline: what an integrator would hand-roll. Fastify + SimpleWebAuthn + pg, the same
 * two steps per ceremony (store a challenge; verify and update the counter or insert the
 * credential), no auth, tenancy, audit or lockout. Run by the benchmark as a child process.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import Fastify from 'fastify';
import { Pool } from 'pg';

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL ?? 20),
});
const app = Fastify({ logger: false });
const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:3000';

app.post('/auth/start', async (request) => {
  const { userId } = request.body as { userId: string };
  const { rows } = await pool.query(
    'SELECT credential_id, transports FROM b_credentials WHERE user_id = $1',
    [userId],
  );
  const options = await generateAuthenticationOptions({
    rpID: RP_ID,
    userVerification: 'preferred',
    allowCredentials: rows.map((r) => ({ id: r.credential_id, transports: r.transports })),
  });
  const { rows: created } = await pool.query(
    "INSERT INTO b_challenges (user_id, challenge, expires_at) VALUES ($1, $2, now() + interval '5 minutes') RETURNING id",
    [userId, options.challenge],
  );
  return { sessionId: created[0].id, clientRequest: options };
});

app.post('/auth/finish', async (request, reply) => {
  const { sessionId, clientResponse } = request.body as { sessionId: string; clientResponse: any };
  const { rows } = await pool.query(
    'DELETE FROM b_challenges WHERE id = $1 AND expires_at > now() RETURNING challenge, user_id',
    [sessionId],
  );
  if (!rows[0]) return reply.code(400).send({ error: 'no challenge' });
  const { rows: creds } = await pool.query(
    'SELECT * FROM b_credentials WHERE credential_id = $1 AND user_id = $2',
    [clientResponse.id, rows[0].user_id],
  );
  if (!creds[0]) return reply.code(400).send({ error: 'unknown credential' });
  const result = await verifyAuthenticationResponse({
    response: clientResponse,
    expectedChallenge: rows[0].challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential: {
      id: creds[0].credential_id,
      publicKey: creds[0].public_key,
      counter: Number(creds[0].counter),
    },
  }).catch(() => ({ verified: false, authenticationInfo: { newCounter: 0 } }));
  if (!result.verified) return reply.code(400).send({ error: 'not verified' });
  await pool.query('UPDATE b_credentials SET counter = $2 WHERE credential_id = $1', [
    clientResponse.id,
    result.authenticationInfo.newCounter,
  ]);
  return { verified: true };
});

app.post('/reg/start', async (request) => {
  const { userId } = request.body as { userId: string };
  const options = await generateRegistrationOptions({
    rpName: 'Baseline',
    rpID: RP_ID,
    userName: userId,
    userID: Buffer.from(userId.replace(/-/g, ''), 'hex'),
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    // the key type of the service's bench policy (algorithms [-7]): SimpleWebAuthn's default list
    // starts with Ed25519, and the two systems would then verify different signatures
    supportedAlgorithmIDs: [-7],
  });
  const { rows } = await pool.query(
    "INSERT INTO b_challenges (user_id, challenge, expires_at) VALUES ($1, $2, now() + interval '5 minutes') RETURNING id",
    [userId, options.challenge],
  );
  return { sessionId: rows[0].id, clientRequest: options };
});

app.post('/reg/finish', async (request, reply) => {
  const { sessionId, clientResponse } = request.body as { sessionId: string; clientResponse: any };
  const { rows } = await pool.query(
    'DELETE FROM b_challenges WHERE id = $1 AND expires_at > now() RETURNING challenge, user_id',
    [sessionId],
  );
  if (!rows[0]) return reply.code(400).send({ error: 'no challenge' });
  const result = await verifyRegistrationResponse({
    response: clientResponse,
    expectedChallenge: rows[0].challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
  }).catch(() => ({ verified: false }) as { verified: false });
  if (!result.verified) return reply.code(400).send({ error: 'not verified' });
  const cred = result.registrationInfo.credential;
  await pool.query(
    'INSERT INTO b_credentials (credential_id, user_id, public_key, counter, transports) VALUES ($1, $2, $3, $4, $5)',
    [
      cred.id,
      rows[0].user_id,
      Buffer.from(cred.publicKey),
      cred.counter,
      clientResponse.response.transports ?? [],
    ],
  );
  return { verified: true };
});

app
  .listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
  .then(() => process.send?.('ready'));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(
    signal,
    () =>
      void app
        .close()
        .then(() => pool.end())
        .then(() => process.exit(0)),
  );
}
