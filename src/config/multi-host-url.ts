/**
 * The libpq multi-host form of a connection URL, which node-postgres does not parse:
 * `postgres://u:p@h1:5432,h2:5432/db?target_session_attrs=read-write`. Pure functions only
 * (the connecting part is failover-client.ts).
 */

export interface HostPort {
  host: string;
  port: number;
}

/** The `target_session_attrs` values the service accepts (it writes: no standby modes). */
export const SESSION_ATTRS = ['any', 'read-write', 'primary'] as const;
export type TargetSessionAttrs = (typeof SESSION_ATTRS)[number];

export interface MultiHostUrl {
  hosts: HostPort[];
  targetSessionAttrs: TargetSessionAttrs;
  /** The URL with the first host only and without `target_session_attrs`: what node-postgres reads. */
  firstHostUrl: string;
}

const URL_SHAPE = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)(.*)$/i;

function parseHost(part: string): HostPort {
  const ipv6 = /^\[([0-9a-f:.]+)\](?::(\d+))?$/i.exec(part);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(part);
  const match = ipv6 ?? plain;
  if (!match) throw new Error('a host of the URL is not host[:port]');
  const port = match[2] === undefined ? 5432 : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error('a port of the URL is out of range');
  }
  return { host: decodeURIComponent(match[1]), port };
}

function formatHost({ host, port }: HostPort): string {
  return `${host.includes(':') ? `[${host}]` : encodeURIComponent(host)}:${port}`;
}

/**
 * Parses a postgres URL. Returns undefined for a plain single-host URL without
 * `target_session_attrs` (node-postgres reads it as it always did); throws (a message without
 * the URL, which may hold a password) when the URL is malformed or asks for a mode the service
 * cannot work with.
 */
export function parseMultiHostUrl(url: string): MultiHostUrl | undefined {
  const shape = URL_SHAPE.exec(url);
  if (!shape) throw new Error('not a postgres:// URL');
  const [, scheme, userInfo, hostList, rest] = shape;
  const queryAt = rest.indexOf('?');
  const params = new URLSearchParams(queryAt >= 0 ? rest.slice(queryAt + 1).split('#')[0] : '');
  const attrs = params.get('target_session_attrs');
  if (!hostList.includes(',') && attrs === null) return undefined;
  if (attrs !== null && !(SESSION_ATTRS as readonly string[]).includes(attrs)) {
    throw new Error(`target_session_attrs must be one of ${SESSION_ATTRS.join(', ')}`);
  }
  const hosts = hostList.split(',').map(parseHost);
  params.delete('target_session_attrs');
  const path = queryAt >= 0 ? rest.slice(0, queryAt) : rest.split('#')[0];
  const query = params.toString();
  return {
    hosts,
    targetSessionAttrs: (attrs ?? 'any') as TargetSessionAttrs,
    firstHostUrl: `${scheme}${userInfo !== undefined ? `${userInfo}@` : ''}${formatHost(hosts[0])}${path}${query ? `?${query}` : ''}`,
  };
}

/** What a server says about itself, asked right after connecting. */
export interface ServerState {
  inRecovery: boolean;
  /** `transaction_read_only` of a new session (a standby, or `default_transaction_read_only`) */
  readOnly: boolean;
}

/** libpq's rule: may a session on a server in this state be used under `attrs`? */
export function acceptable(attrs: TargetSessionAttrs, state: ServerState): boolean {
  if (attrs === 'read-write') return !state.readOnly && !state.inRecovery;
  if (attrs === 'primary') return !state.inRecovery;
  return true;
}

/**
 * The order in which to try the hosts: the last one found acceptable first (a primary usually
 * stays one), then the others in the order of the URL, as libpq does.
 */
export function tryOrder(hosts: HostPort[], lastGood: number | undefined): number[] {
  const order = hosts.map((_, i) => i);
  if (lastGood === undefined || lastGood < 0 || lastGood >= hosts.length) return order;
  return [lastGood, ...order.filter((i) => i !== lastGood)];
}
