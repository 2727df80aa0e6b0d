// Which addresses a server-side fetch may reach. Anything that is not plainly a public unicast
// address is forbidden: the inside of the network (loopback, private, link-local, CGNAT),
// cloud metadata endpoints, and every IPv6 form that carries an IPv4 address inside it
// (mapped, compatible, NAT64, 6to4, Teredo), since those reach the same inside by another name.
import { parseIpLiteral } from './ip-literal.ts';

export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'metadata'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'ipv4-mapped'
  | 'ipv4-compatible'
  | 'nat64'
  | '6to4'
  | 'teredo'
  | 'unique-local'
  | 'site-local';

interface Range {
  readonly prefix: string;
  readonly bits: number;
  readonly class: AddressClass;
}

// Checked in order: the first range holding the address names its class.
const IPV4_RANGES: readonly Range[] = [
  { prefix: '169.254.169.254', bits: 32, class: 'metadata' },
  { prefix: '0.0.0.0', bits: 8, class: 'unspecified' },
  { prefix: '10.0.0.0', bits: 8, class: 'private' },
  { prefix: '100.64.0.0', bits: 10, class: 'cgnat' },
  { prefix: '127.0.0.0', bits: 8, class: 'loopback' },
  { prefix: '169.254.0.0', bits: 16, class: 'link-local' },
  { prefix: '172.16.0.0', bits: 12, class: 'private' },
  { prefix: '192.0.0.0', bits: 24, class: 'reserved' },
  { prefix: '192.0.2.0', bits: 24, class: 'documentation' },
  { prefix: '192.88.99.0', bits: 24, class: 'reserved' },
  { prefix: '192.168.0.0', bits: 16, class: 'private' },
  { prefix: '198.18.0.0', bits: 15, class: 'benchmarking' },
  { prefix: '198.51.100.0', bits: 24, class: 'documentation' },
  { prefix: '203.0.113.0', bits: 24, class: 'documentation' },
  { prefix: '224.0.0.0', bits: 4, class: 'multicast' },
  { prefix: '255.255.255.255', bits: 32, class: 'broadcast' },
  { prefix: '240.0.0.0', bits: 4, class: 'reserved' },
];

const IPV6_RANGES: readonly Range[] = [
  { prefix: '::', bits: 128, class: 'unspecified' },
  { prefix: '::1', bits: 128, class: 'loopback' },
  { prefix: 'fd00:ec2::254', bits: 128, class: 'metadata' },
  { prefix: '::ffff:0:0', bits: 96, class: 'ipv4-mapped' },
  { prefix: '::', bits: 96, class: 'ipv4-compatible' },
  { prefix: '64:ff9b::', bits: 96, class: 'nat64' },
  { prefix: '64:ff9b:1::', bits: 48, class: 'nat64' },
  { prefix: '2001::', bits: 32, class: 'teredo' },
  { prefix: '2001:db8::', bits: 32, class: 'documentation' },
  { prefix: '2001::', bits: 23, class: 'reserved' },
  { prefix: '2002::', bits: 16, class: '6to4' },
  { prefix: 'fc00::', bits: 7, class: 'unique-local' },
  { prefix: 'fe80::', bits: 10, class: 'link-local' },
  { prefix: 'fec0::', bits: 10, class: 'site-local' },
  { prefix: 'ff00::', bits: 8, class: 'multicast' },
  // Global unicast is 2000::/3; everything else is unassigned or special.
];
const IPV6_GLOBAL_UNICAST: Range = { prefix: '2000::', bits: 3, class: 'public' };

const prefixBytes = new Map<string, Uint8Array>(
  [...IPV4_RANGES, ...IPV6_RANGES, IPV6_GLOBAL_UNICAST].map((range) => [
    range.prefix,
    parseIpLiteral(range.prefix)!.bytes,
  ]),
);

function within(bytes: Uint8Array, range: Range): boolean {
  const prefix = prefixBytes.get(range.prefix)!;
  for (let bit = 0; bit < range.bits; bit += 8) {
    const take = Math.min(8, range.bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (prefix[bit / 8]! & mask)) return false;
  }
  return true;
}

/** The class of an IP address in any form resolvers accept, or null when the text is not an address. */
export function classifyAddress(ip: string): AddressClass | null {
  const literal = parseIpLiteral(ip);
  if (!literal) return null;
  const ranges = literal.family === 4 ? IPV4_RANGES : IPV6_RANGES;
  const match = ranges.find((range) => within(literal.bytes, range));
  if (match) return match.class;
  if (literal.family === 6 && !within(literal.bytes, IPV6_GLOBAL_UNICAST)) return 'reserved';
  return 'public';
}
