/**
 * Why a host may not be reached. `address_forbidden`: the host is, or resolves to, an address
 * inside the network (the class says which); `host_unresolvable`: DNS gave no address.
 */
export type EgressRule = 'address_forbidden' | 'host_unresolvable';

export class EgressError extends Error {
  override readonly name = 'EgressError';

  constructor(
    readonly rule: EgressRule,
    readonly host: string,
    message: string,
    /** The forbidden address and its class, for `address_forbidden`. */
    readonly address?: string,
    readonly addressClass?: string,
  ) {
    super(message);
  }
}
