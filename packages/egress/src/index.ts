// Egress guard: refuse server-side fetches (git, HTTPS downloads) that would reach the inside
// of the network. `checkAddress(ip)` for one address, `resolvePublicHost(host)` for a host
// name or literal; both throw `EgressError` whose `rule` is `address_forbidden` or
// `host_unresolvable`.
export { classifyAddress, type AddressClass } from './classify.ts';
export { parseIpLiteral, type IpLiteral } from './ip-literal.ts';
export { checkAddress, isAddressAllowed, resolvePublicHost, type EgressOptions, type ResolveOptions } from './check.ts';
export { EgressError, type EgressRule } from './egress-error.ts';
