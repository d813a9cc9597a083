import ipaddr from 'ipaddr.js';

/**
 * Why a webhook may not connect to `address` (an IP literal), or null when it may: only globally
 * routable unicast addresses pass. Loopback, RFC 1918, link-local (which holds the cloud metadata
 * address 169.254.169.254), CGNAT (100.64/10, where some clouds put theirs), unique-local IPv6
 * (fd00:ec2::254 is another), multicast, reserved and documentation ranges are refused, and so is
 * an IPv4 address dressed as IPv6 (`::ffff:127.0.0.1`), judged as the IPv4 address it is. IPv6
 * transition ranges (6to4, Teredo, NAT64) are refused outright, since they can wrap any IPv4
 * address, and so is the deprecated IPv4-compatible range `::/96` (`::7f00:1`, which URLs write as
 * `[::127.0.0.1]`), which `ipaddr.js` calls unicast. The ranges come from `ipaddr.js` rather than
 * hand-written CIDR math.
 */
export function forbiddenAddressReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (range !== 'unicast') return `${address} is a ${describeRange(range)} address`;
  // `::` and `::1` are in ::/96 too, and were named by their own ranges above.
  if (parsed.kind() === 'ipv6' && parsed.match(IPV4_COMPATIBLE)) return `${address} is an IPv4-compatible IPv6 address (::/96, deprecated)`;
  return null;
}

const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

function describeRange(range: string): string {
  return RANGE_NAMES[range] ?? `non-public (${range})`;
}

const RANGE_NAMES: Record<string, string> = {
  loopback: 'loopback',
  private: 'private',
  linkLocal: 'link-local (cloud metadata)',
  carrierGradeNat: 'shared (CGNAT)',
  uniqueLocal: 'unique-local',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  reserved: 'reserved',
};
