import { LookupAddress, promises as dnsPromises } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { AppConfig } from '../config/app-config';

/**
 * Where a webhook may be sent (SSRF). An endpoint's URL is checked when it is saved and again on
 * every delivery: its host name is resolved, every address must be public, and the connection
 * goes to one of those checked addresses (`guardedLookup`), so a name that resolves elsewhere
 * between the check and the connection (DNS rebinding) cannot reach an internal service.
 */

/** Address ranges no webhook goes to unless the configuration allows them. */
const FORBIDDEN_V4: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved or broadcast'],
];
const FORBIDDEN_V6: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'local NAT64'],
  ['100::', 64, 'discard'],
  ['::ffff:0:0:0', 96, 'SIIT (IPv4-translated)'],
  ['2001::', 32, 'Teredo'],
  ['2001:2::', 48, 'benchmarking'],
  ['2001:10::', 28, 'ORCHID'],
  ['2001:20::', 28, 'ORCHIDv2'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

/** Why a target is refused: a sentence for the caller and the delivery log. */
export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefused';
  }
}

export interface TargetPolicy {
  /** Production: https only. */
  httpsOnly: boolean;
  /** `true`: private targets allowed; a list: these CIDRs allowed. */
  allowPrivate: boolean | readonly string[];
}

/** The policy of this configuration: https only in production, private targets as configured. */
export function targetPolicy(config: AppConfig): TargetPolicy {
  return {
    httpsOnly: config.nodeEnv === 'production',
    allowPrivate: config.webhookAllowPrivateTargets,
  };
}

/** An IPv6 address that carries an IPv4 one (mapped, NAT64, 6to4): the IPv4 address, else null. */
function embeddedV4(address: string): string | null {
  const groups = expandV6(address.toLowerCase());
  if (!groups) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  // ::ffff:a.b.c.d (mapped), 64:ff9b::a.b.c.d (NAT64), ::a.b.c.d (compatible, deprecated)
  if (groups.slice(0, 5).every((g) => g === 0) && (groups[5] === 0xffff || groups[5] === 0)) {
    return groups[5] === 0 && groups[6] === 0 && groups[7] <= 1 ? null : v4(groups[6], groups[7]);
  }
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) {
    return v4(groups[6], groups[7]);
  }
  if (groups[0] === 0x2002) return v4(groups[1], groups[2]); // 6to4
  return null;
}

/** The eight 16-bit groups of an IPv6 address (no zone), or null. */
function expandV6(address: string): number[] | null {
  if (isIP(address) !== 6) return null;
  let text = address.split('%')[0];
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const zeros = text.includes('::') ? 8 - left.length - right.length : 0;
  const groups = [...left, ...Array<number>(zeros).fill(0), ...right];
  return groups.length === 8 ? groups : null;
}

/** Why an address is not a public destination, or null when it is. */
export function forbiddenReason(address: string): string | null {
  const family = isIP(address);
  if (family === 4) {
    const hit = FORBIDDEN_V4.find(([net, bits]) => inSubnet(address, net, bits, 'ipv4'));
    return hit ? hit[2] : null;
  }
  if (family === 6) {
    const v4 = embeddedV4(address);
    if (v4) return forbiddenReason(v4);
    const bare = address.split('%')[0];
    const hit = FORBIDDEN_V6.find(([net, bits]) => inSubnet(bare, net, bits, 'ipv6'));
    return hit ? hit[2] : null;
  }
  return 'not an IP address';
}

function inSubnet(address: string, net: string, bits: number, type: 'ipv4' | 'ipv6'): boolean {
  const list = new BlockList();
  list.addSubnet(net, bits, type);
  return list.check(address, type);
}

/** The policy's answer for one address: null (go) or why not. */
export function refusalOf(address: string, policy: TargetPolicy): string | null {
  const reason = forbiddenReason(address);
  if (reason === null || policy.allowPrivate === true) return null;
  if (Array.isArray(policy.allowPrivate)) {
    const allowed = new BlockList();
    for (const cidr of policy.allowPrivate) {
      const [net, bits] = cidr.split('/');
      allowed.addSubnet(net, Number(bits), isIP(net) === 6 ? 'ipv6' : 'ipv4');
    }
    const v4 = isIP(address) === 6 ? embeddedV4(address) : null;
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (allowed.check(address, family) || (v4 !== null && allowed.check(v4, 'ipv4'))) return null;
  }
  return `${address} is ${reason}`;
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * The URL an endpoint may have, or TargetRefused: absolute http(s) (https only in production), no
 * credentials, no fragment, an IP-literal host that is public (host names are resolved later).
 */
export function parseTargetUrl(raw: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused('is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TargetRefused('must be an http(s) URL');
  }
  if (policy.httpsOnly && url.protocol !== 'https:') {
    throw new TargetRefused('must be an https URL (production)');
  }
  if (url.username || url.password) {
    throw new TargetRefused('must not carry credentials (user:password@): requests are signed');
  }
  if (url.hash) throw new TargetRefused('must not have a fragment');
  // what is stored and sent is the normalised form: percent-encoding can make it 6x longer
  if (url.href.length > 2048) {
    throw new TargetRefused('is longer than 2048 characters once normalised');
  }
  const host = hostOf(url);
  if (isIP(host)) {
    const refusal = refusalOf(host, policy);
    if (refusal) throw new TargetRefused(`points at a non-public address: ${refusal}`);
  }
  return url;
}

/** How long one DNS question may take, and how often it is asked (c-ares, per query). */
const DNS_TIMEOUT_MS = 1500;
const DNS_TRIES = 2;
/** System lookups (getaddrinfo, on libuv's thread pool) webhooks may have running at once. */
const SYSTEM_LOOKUPS = 2;
/** How long a webhook waits for one of those, or for its answer, before it gives up. */
const SYSTEM_LOOKUP_WAIT_MS = 5000;

/**
 * The addresses of a host name, IPv4 first. Asked of DNS through c-ares (`dns.Resolver`) first:
 * getaddrinfo (`dns.lookup`) runs on libuv's small thread pool and cannot be abandoned, so names
 * whose DNS never answers, saved by one tenant, stalled every lookup of the process (other
 * tenants' webhooks, and a `DATABASE_URL` with a host name). A c-ares question gives up after its
 * timeout and takes no thread. c-ares reads neither `/etc/hosts` nor the resolver's search
 * domains (a Kubernetes `hooks.ns`), so a name DNS says does not exist is asked of the system
 * resolver too — at most {@link SYSTEM_LOOKUPS} of those at once, each given up (not stopped)
 * after {@link SYSTEM_LOOKUP_WAIT_MS}, so they can hold no more of the pool than that. A name
 * that times out is refused without it. `localhost` and `*.localhost` are loopback by definition
 * (RFC 6761). `servers`: for tests (c-ares only).
 */
export async function hostAddresses(host: string, servers?: string[]): Promise<LookupAddress[]> {
  const name = (host.endsWith('.') ? host.slice(0, -1) : host).toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
  }
  const resolver = new dnsPromises.Resolver({ timeout: DNS_TIMEOUT_MS, tries: DNS_TRIES });
  if (servers) resolver.setServers(servers);
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  const found = [
    ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
  ];
  if (found.length > 0) return found;
  const timedOut = [v4, v6].some(
    (r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'ETIMEOUT',
  );
  if (timedOut) throw new TargetRefused('its host name did not resolve in time');
  if (servers) throw new TargetRefused('its host name does not resolve');
  return systemLookup.addresses(name);
}

/**
 * A lookup run at most `slots` at a time; each caller waits at most `waitMs` for a slot and then
 * for its answer. A slot stays taken until the lookup returns, even after its caller gave up, so
 * lookups that never return hold no more than `slots` threads of libuv's pool.
 */
export class BoundedLookup {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly slots: number,
    private readonly waitMs: number,
    private readonly lookup: (name: string) => Promise<LookupAddress[]>,
  ) {}

  async addresses(name: string): Promise<LookupAddress[]> {
    const late = () => new TargetRefused('its host name did not resolve in time');
    if (this.running < this.slots) this.running++;
    else if (!(await this.turn())) throw late();
    const lookup = this.lookup(name).finally(() => {
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes on
      else this.running--;
    });
    lookup.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    try {
      const found = await Promise.race([
        lookup,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(late()), this.waitMs);
        }),
      ]);
      return [...found].sort((a, b) => a.family - b.family);
    } catch (error) {
      if (error instanceof TargetRefused) throw error;
      throw new TargetRefused('its host name does not resolve');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for a slot handed on by a finished lookup; false after `waitMs`. */
  private turn(): Promise<boolean> {
    return new Promise((resolve) => {
      const go = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(go);
        if (at !== -1) this.waiting.splice(at, 1);
        resolve(false);
      }, this.waitMs);
      this.waiting.push(go);
    });
  }
}

const systemLookup = new BoundedLookup(SYSTEM_LOOKUPS, SYSTEM_LOOKUP_WAIT_MS, (name) =>
  dnsPromises.lookup(name, { all: true, verbatim: true }),
);

/** Resolves a host name and checks every address it has; all must pass. */
export async function resolveTarget(host: string, policy: TargetPolicy): Promise<string[]> {
  if (isIP(host)) {
    const refusal = refusalOf(host, policy);
    if (refusal) throw new TargetRefused(`points at a non-public address: ${refusal}`);
    return [host];
  }
  const addresses = await hostAddresses(host);
  checkAll(addresses, policy);
  return addresses.map((a) => a.address);
}

function checkAll(addresses: LookupAddress[], policy: TargetPolicy): void {
  if (addresses.length === 0) throw new TargetRefused('its host name does not resolve');
  for (const { address } of addresses) {
    const refusal = refusalOf(address, policy);
    if (refusal) throw new TargetRefused(`resolves to a non-public address: ${refusal}`);
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request` / `net.connect`: resolves, refuses the name when any address is
 * not allowed, and hands back only the addresses it checked, so the socket connects to one of
 * them (no second resolution between the check and the connection).
 */
export function guardedLookup(policy: TargetPolicy) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number },
    callback: LookupCallback,
  ) => {
    hostAddresses(hostname).then(
      (found) => {
        const addresses = options.family ? found.filter((a) => a.family === options.family) : found;
        try {
          checkAll(addresses, policy);
        } catch (refused) {
          return callback(refused as NodeJS.ErrnoException, []);
        }
        if (options.all) return callback(null, addresses);
        callback(null, addresses[0].address, addresses[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}
