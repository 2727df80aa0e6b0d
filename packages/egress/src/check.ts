// The two checks callers make before a server-side fetch: one address, and a whole host (its
// literal address, or every address DNS gives for its name, since a client may connect to any).
import { lookup as dnsLookup } from 'node:dns/promises';
import { classifyAddress, type AddressClass } from './classify.ts';
import { EgressError } from './egress-error.ts';
import { parseIpLiteral } from './ip-literal.ts';

export interface EgressOptions {
  /** Let loopback addresses (127.0.0.0/8, ::1) through: for tests and local development only. */
  readonly allowLoopback?: boolean;
}

export interface ResolveOptions extends EgressOptions {
  /** Resolver to use instead of the system's (getaddrinfo via dns.lookup). */
  readonly lookup?: (host: string) => Promise<readonly string[]>;
}

/** True when a fetch may connect to this address. */
export function isAddressAllowed(ip: string, options: EgressOptions = {}): boolean {
  const addressClass = classifyAddress(ip);
  return addressClass === 'public' || (addressClass === 'loopback' && options.allowLoopback === true);
}

/**
 * Throws `EgressError` (`address_forbidden`) unless a fetch may connect to this address; returns its canonical form.
 */
export function checkAddress(ip: string, options: EgressOptions = {}, host = ip): string {
  const literal = parseIpLiteral(ip);
  const addressClass: AddressClass | null = literal ? classifyAddress(literal.address) : null;
  if (!literal || !addressClass)
    throw new EgressError('address_forbidden', host, `${JSON.stringify(ip)} is not an IP address.`);
  if (!isAddressAllowed(literal.address, options)) {
    const via = host === ip ? '' : `${host} resolves to `;
    throw new EgressError(
      'address_forbidden',
      host,
      `${via}${literal.address} is a ${addressClass} address, which Packhouse does not connect to.`,
      literal.address,
      addressClass,
    );
  }
  return literal.address;
}

async function systemLookup(host: string): Promise<readonly string[]> {
  const results = await dnsLookup(host, { all: true, verbatim: true });
  return results.map((result) => result.address);
}

/**
 * Resolves a host and returns the addresses it checked (canonical form): an IP literal in any
 * spelling is checked as is; a name is resolved and refused if ANY of its addresses is forbidden.
 * Callers that connect later should connect to one of the returned addresses (pinning), since
 * DNS may answer differently the next time.
 */
export async function resolvePublicHost(host: string, options: ResolveOptions = {}): Promise<string[]> {
  const literal = parseIpLiteral(host);
  if (literal) return [checkAddress(literal.address, options, host)];
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  let addresses: readonly string[];
  try {
    addresses = await (options.lookup ?? systemLookup)(name);
  } catch (error) {
    throw new EgressError('host_unresolvable', host, `${host} does not resolve: ${(error as Error).message}`);
  }
  if (addresses.length === 0)
    throw new EgressError('host_unresolvable', host, `${host} does not resolve to any address.`);
  return [...new Set(addresses.map((address) => checkAddress(address, options, host)))];
}
