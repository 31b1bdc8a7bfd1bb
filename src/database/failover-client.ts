import { Client, ClientConfig } from 'pg';
import {
  acceptable,
  HostPort,
  MultiHostUrl,
  ServerState,
  TargetSessionAttrs,
  tryOrder,
} from '../config/multi-host-url';

/** Asks one host what it is (a short-lived connection of its own). */
export type Probe = (target: HostPort) => Promise<ServerState>;

/** PostgreSQL's `read_only_sql_transaction`: a write reached a server that is (now) a standby. */
export const READ_ONLY_SQL_TRANSACTION = '25006';

const STATE_SQL =
  "SELECT pg_is_in_recovery() AS in_recovery, current_setting('transaction_read_only') AS read_only";

/** The error of a checkout when no host is acceptable; `08001` as libpq reports it (a 503). */
export function noAcceptableHost(attrs: TargetSessionAttrs): Error {
  return Object.assign(
    new Error(`no host of DATABASE_URL accepts a session with target_session_attrs=${attrs}`),
    { code: '08001' },
  );
}

const sameHost = (a: HostPort, b: HostPort) => a.host === b.host && a.port === b.port;

/**
 * Which host new connections go to. The host found acceptable is kept until a connection to it
 * fails or finds it unacceptable (`forget`); the next connection then asks the hosts again, in
 * the order of `tryOrder`. Concurrent searches are one search.
 */
export class PrimaryResolver {
  private current: number | undefined;
  private lastGood: number | undefined;
  private searching: Promise<HostPort> | undefined;

  constructor(
    readonly hosts: HostPort[],
    readonly attrs: TargetSessionAttrs,
    private readonly probe: Probe,
  ) {}

  /** The host a new connection goes to (searched when none is known). */
  target(): Promise<HostPort> {
    if (this.current !== undefined) return Promise.resolve(this.hosts[this.current]);
    this.searching ??= this.search().finally(() => (this.searching = undefined));
    return this.searching;
  }

  /** The known host, if any (for logs and tests). */
  known(): HostPort | undefined {
    return this.current === undefined ? undefined : this.hosts[this.current];
  }

  /** A connection to `target` failed, or found it unacceptable: search again next time. */
  forget(target: HostPort): void {
    if (this.current !== undefined && sameHost(this.hosts[this.current], target)) {
      this.current = undefined;
    }
  }

  private async search(): Promise<HostPort> {
    for (const i of tryOrder(this.hosts, this.lastGood)) {
      const state = await this.probe(this.hosts[i]).catch(() => undefined);
      if (state && acceptable(this.attrs, state)) {
        this.current = i;
        this.lastGood = i;
        return this.hosts[i];
      }
    }
    throw noAcceptableHost(this.attrs);
  }
}

function stateOf(row: { in_recovery: boolean; read_only: string }): ServerState {
  return { inRecovery: row.in_recovery === true, readOnly: row.read_only === 'on' };
}

/** Points a not yet connected client at `target` (node-postgres reads these at connect). */
function aim(client: Client, target: HostPort): void {
  const c = client as unknown as {
    host: string;
    port: number;
    connectionParameters: { host: string; port: number };
  };
  c.host = target.host;
  c.port = target.port;
  c.connectionParameters.host = target.host;
  c.connectionParameters.port = target.port;
}

type Callback = (err: Error | undefined, result?: unknown) => void;

/**
 * A node-postgres `Client` class (pg-pool's `Client` option) for a multi-host URL: every new
 * pooled connection goes to the host the resolver names, and is checked on arrival
 * (`pg_is_in_recovery()`, `transaction_read_only`, as libpq does for `target_session_attrs`).
 * A connection that fails, or a query that meets a read-only server (25006), makes the resolver
 * search again; such a connection is closed, so the pool drops it. The pool's other connections
 * to a primary that died fail on their own and are dropped by the pool as before.
 */
export function failoverClientClass(
  url: MultiHostUrl,
  probeWith?: (config: ClientConfig) => Probe,
): { Client: typeof Client; resolver: (config: ClientConfig) => PrimaryResolver } {
  let resolver: PrimaryResolver | undefined;
  const resolverFor = (config: ClientConfig) =>
    (resolver ??= new PrimaryResolver(
      url.hosts,
      url.targetSessionAttrs,
      (probeWith ?? probeOver)(config),
    ));

  class FailoverClient extends Client {
    private target: HostPort | undefined;
    private readonly resolver: PrimaryResolver;

    constructor(config: ClientConfig) {
      super(config);
      this.resolver = resolverFor(config);
      // an idle connection that dies says its host may be gone (the pool drops the connection)
      this.on('error', () => this.lost());
    }

    override connect(): Promise<Client>;
    override connect(callback: (err: Error | null, client?: Client) => void): void;
    override connect(
      callback?: (err: Error | null, client?: Client) => void,
    ): Promise<Client> | void {
      const done = this.connectToTarget().then(() => this as Client);
      if (!callback) return done;
      done.then(
        (client) => callback(null, client),
        (error: Error) => callback(error),
      );
    }

    private async connectToTarget(): Promise<void> {
      const target = await this.resolver.target();
      this.target = target;
      const stream = (this as unknown as { connection?: { stream?: { destroyed?: boolean } } })
        .connection?.stream;
      // the pool gave up on this checkout while the hosts were asked
      if (stream?.destroyed) throw new Error('Connection terminated due to connection timeout');
      aim(this, target);
      try {
        await super.connect();
      } catch (error) {
        this.lost();
        throw error;
      }
      if (this.resolver.attrs === 'any') return;
      try {
        const { rows } = await super.query(STATE_SQL);
        if (acceptable(this.resolver.attrs, stateOf(rows[0]))) return;
      } catch {
        // judged below as unacceptable
      }
      this.lost();
      await this.end().catch(() => undefined);
      throw noAcceptableHost(this.resolver.attrs);
    }

    private lost(): void {
      if (this.target) this.resolver.forget(this.target);
    }

    private noteError(error: unknown): void {
      if ((error as { code?: unknown })?.code !== READ_ONLY_SQL_TRANSACTION) return;
      // The server turned read-only under this connection: search again, and cut the connection
      // (once the failed statement has settled) as a network failure would, so that its pool
      // drops it (pg-pool keeps a client ended with end(); one cut is dropped idle or released).
      this.lost();
      setImmediate(() => {
        const connection = (this as unknown as { connection?: { stream?: { destroy(): void } } })
          .connection;
        connection?.stream?.destroy();
      });
    }

    override query(...args: unknown[]): never {
      const query = Client.prototype.query as (...a: unknown[]) => unknown;
      const last = args[args.length - 1];
      if (typeof last === 'function') {
        args[args.length - 1] = (error: Error | undefined, result?: unknown) => {
          if (error) this.noteError(error);
          (last as Callback)(error, result);
        };
        return query.apply(this, args) as never;
      }
      const result = query.apply(this, args) as { then?: unknown; catch?: unknown } | undefined;
      if (result && typeof result.then === 'function') {
        return (result as Promise<unknown>).catch((error: unknown) => {
          this.noteError(error);
          throw error;
        }) as never;
      }
      return result as never;
    }
  }

  return { Client: FailoverClient as unknown as typeof Client, resolver: resolverFor };
}

/** Asks a host through a connection of its own, with the pool's settings (user, TLS, timeouts). */
function probeOver(config: ClientConfig): Probe {
  return async (target) => {
    const client = new Client({ ...config, connectionTimeoutMillis: probeTimeout(config) });
    aim(client, target);
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query(STATE_SQL);
      return stateOf(rows[0]);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
}

function probeTimeout(config: ClientConfig): number {
  return config.connectionTimeoutMillis || 2000;
}
