// Turns the spellings of an address that resolvers accept into the canonical one, so a check
// never sees `0x7f.1` or `2130706433` and waves it through as "a name": inet_aton (and so
// getaddrinfo, curl and git) reads an IPv4 host of one to four parts, each decimal, octal
// (leading 0) or hex (0x), the last part filling the remaining bytes.
import { isIPv6 } from 'node:net';

export type IpLiteral =
  { family: 4; address: string; bytes: Uint8Array } | { family: 6; address: string; bytes: Uint8Array };

/** The address a host names by itself (any IPv4 form, an IPv6 literal with or without brackets), or null for a name. */
export function parseIpLiteral(host: string): IpLiteral | null {
  let text = host.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const v6 = parseIPv6(text);
  if (v6) return { family: 6, address: formatIPv6(v6), bytes: v6 };
  const v4 = parseIPv4(text.endsWith('.') ? text.slice(0, -1) : text);
  if (v4) return { family: 4, address: v4.join('.'), bytes: v4 };
  return null;
}

function parsePart(part: string): number | null {
  if (part === '') return null;
  let value: number;
  if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  else if (/^0[0-7]+$/.test(part)) value = parseInt(part.slice(1), 8);
  else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part);
  else return null;
  return Number.isSafeInteger(value) ? value : null;
}

function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    const value = parsePart(part);
    if (value === null) return null;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((value) => value > 0xff)) return null;
  const lastBytes = 4 - values.length;
  if (last >= 2 ** (8 * lastBytes)) return null;
  const bytes = new Uint8Array(4);
  values.forEach((value, index) => (bytes[index] = value));
  for (let index = 3, rest = last; index >= values.length; index--, rest = Math.floor(rest / 256))
    bytes[index] = rest % 256;
  return bytes;
}

function parseIPv6(text: string): Uint8Array | null {
  let rest = text.split('%')[0]!;
  if (!isIPv6(rest)) return null;
  // A dotted IPv4 tail (`::ffff:1.2.3.4`) is two groups written another way.
  rest = rest.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_match, a: string, b: string, c: string, d: string) =>
      `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const halves = rest.split('::');
  const groups = (side: string) => (side === '' ? [] : side.split(':').map((group) => parseInt(group, 16)));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const zeros = 8 - left.length - right.length;
  if (zeros < 0 || (halves.length === 1 && zeros !== 0)) return null;
  const bytes = new Uint8Array(16);
  [...left, ...new Array<number>(zeros).fill(0), ...right].forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

function formatIPv6(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let index = 0; index < 16; index += 2) groups.push(((bytes[index]! << 8) | bytes[index + 1]!).toString(16));
  return groups.join(':');
}
