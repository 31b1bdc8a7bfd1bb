import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request a receiver got. */
export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: { type: string; timestamp: string; data: Record<string, unknown> };
  at: number;
}

/** How the receiver answers: a status (default 200), after a delay, with a Location. */
export interface Behaviour {
  status?: number;
  delayMs?: number;
  location?: string;
}

/**
 * A webhook receiver: a real HTTP server on loopback that records every request, answers as told,
 * and can go away (stop listening) and come back on the same port.
 */
export class WebhookReceiver {
  readonly requests: Received[] = [];
  behaviour: Behaviour = {};
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.requests.push({
          id: String(req.headers['webhook-id']),
          timestamp: String(req.headers['webhook-timestamp']),
          signature: String(req.headers['webhook-signature']),
          headers: req.headers,
          body,
          json: JSON.parse(body),
          at: Date.now(),
        });
        this.answer(res);
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening (connections refused) and drops open connections; `start` comes back. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private answer(res: ServerResponse): void {
    const { status = 200, delayMs = 0, location } = this.behaviour;
    const send = () => {
      if (location) res.setHeader('location', location);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'ok' : 'not now');
    };
    if (delayMs) setTimeout(send, delayMs);
    else send();
  }

  /** The requests of one webhook-id. */
  of(id: string): Received[] {
    return this.requests.filter((r) => r.id === id);
  }

  /** Every request verified with the reference Standard Webhooks library (throws on the first bad one). */
  verifyAll(secret: string): void {
    const hook = new Webhook(secret);
    for (const r of this.requests) {
      hook.verify(r.body, {
        'webhook-id': r.id,
        'webhook-timestamp': r.timestamp,
        'webhook-signature': r.signature,
      });
    }
  }
}

/** Polls `check` until it holds (or throws its last failure after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}
