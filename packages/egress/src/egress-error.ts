/**
 * Why a host may not be reached. `address-forbidden`: the host is, or resolves to, an address
 * inside the network (the class says which); `host-unresolvable`: DNS gave no address.
 */
export type EgressRule = 'address-forbidden' | 'host-unresolvable';

export class EgressError extends Error {
  override readonly name = 'EgressError';

  constructor(
    readonly rule: EgressRule,
    readonly host: string,
    message: string,
    /** The forbidden address and its class, for `address-forbidden`. */
    readonly address?: string,
    readonly addressClass?: string,
  ) {
    super(message);
  }
}
