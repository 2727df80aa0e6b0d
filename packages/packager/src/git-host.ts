import { EgressError, resolvePublicHost } from '@packhouse/egress';
import { SourceRefused, quote } from './errors.ts';
import type { GitOptions } from './types.ts';

/** Where git may connect for an https URL: the addresses checked, pinned for git's curl. */
export interface PinnedHost {
  /** `-c` values that make git's curl connect to the checked addresses only. */
  config: string[];
  addresses: string[];
}

/**
 * Resolves an https git URL's host and refuses it if any address is inside the network
 * (@packhouse/egress: loopback, private, link-local, CGNAT, metadata...). The addresses are
 * then pinned (`http.curloptResolve`), so that a DNS answer that changes between this check
 * and git's own lookup (rebinding) cannot send the fetch inside. file:// URLs have no host.
 *
 * `unresolvable`: what a host that does not resolve is, a refusal (at project creation: a
 * typo) or a transient error (at fetch time: DNS may be down).
 */
export async function pinGitHost(
  url: string,
  options: GitOptions,
  unresolvable: 'refused' | 'transient',
): Promise<PinnedHost> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') return { config: [], addresses: [] };
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  let addresses: string[];
  try {
    addresses = await resolvePublicHost(host, { allowLoopback: options.allowLoopback === true });
  } catch (error) {
    if (!(error instanceof EgressError)) throw error;
    if (error.rule === 'address_forbidden')
      throw new SourceRefused('address_forbidden', `git URL ${quote(url)} leads inside the network: ${error.message}`);
    if (unresolvable === 'refused')
      throw new SourceRefused('host_unresolvable', `git URL ${quote(url)}: ${error.message}`);
    throw new Error(`git_fetch_failed: host ${host} does not resolve`, { cause: error });
  }
  const port = parsed.port || '443';
  const list = addresses.map((address) => (address.includes(':') ? `[${address}]` : address)).join(',');
  return { config: [`http.curloptResolve=${parsed.hostname}:${port}:${list}`], addresses };
}
