import ipaddr from 'ipaddr.js';

/**
 * The part of a client's address a per-IP limit counts: an IPv4 address as it is (an IPv4-mapped
 * IPv6 address as its IPv4 one), an IPv6 address by its /64. One host or subscriber is routinely
 * given a whole /64 (a cloud VM, a home line), so counting each of its 2^64 addresses apart would
 * give one caller as many budgets as it wants. Anything that does not parse (it cannot come from
 * a socket or a trusted proxy: `IDS_TRUST_PROXY` keeps only IP addresses) is counted as it is.
 */
export function clientBucket(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const parsed = ipaddr.parse(ip);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  const prefix = ipaddr.IPv6.networkAddressFromCIDR(`${v6.toNormalizedString()}/64`);
  return `${prefix.toString()}/64`;
}
