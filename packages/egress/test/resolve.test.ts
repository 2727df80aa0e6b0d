import { describe, expect, it } from 'vitest';
import { checkAddress, EgressError, resolvePublicHost } from '../src/index.ts';

async function refusal(promise: Promise<unknown>): Promise<EgressError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(EgressError);
  return error as EgressError;
}

describe('checkAddress', () => {
  it('returns the canonical form of an allowed address', () => {
    expect(checkAddress('8.8.8.8')).toBe('8.8.8.8');
  });

  it('refuses an inside address with the rule, the address and its class', () => {
    const error = (() => {
      try {
        checkAddress('0251.0376.0251.0376');
      } catch (caught) {
        return caught as EgressError;
      }
    })();
    expect(error).toMatchObject({ rule: 'address_forbidden', address: '169.254.169.254', addressClass: 'metadata' });
    expect(error?.message).toContain('metadata');
  });

  it('lets loopback through only when asked', () => {
    expect(() => checkAddress('127.0.0.1')).toThrow(EgressError);
    expect(checkAddress('127.0.0.1', { allowLoopback: true })).toBe('127.0.0.1');
    expect(() => checkAddress('10.0.0.1', { allowLoopback: true })).toThrow(/private/);
  });
});

describe('resolvePublicHost', () => {
  it('refuses a name that resolves to loopback through the system resolver', async () => {
    const error = await refusal(resolvePublicHost('localhost'));
    expect(error.rule).toBe('address_forbidden');
    expect(error.host).toBe('localhost');
    expect(error.addressClass).toBe('loopback');
    expect(error.message).toMatch(/^localhost resolves to /);
  });

  it('returns the addresses it checked when loopback is allowed', async () => {
    const addresses = await resolvePublicHost('localhost', { allowLoopback: true });
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect(['127.0.0.1', '0:0:0:0:0:0:0:1']).toContain(address);
  });

  it('checks literals in every spelling without asking DNS', async () => {
    await expect(resolvePublicHost('[::ffff:10.0.0.1]')).rejects.toMatchObject({
      rule: 'address_forbidden',
      addressClass: 'ipv4-mapped',
    });
    await expect(resolvePublicHost('0x7f.1')).rejects.toMatchObject({
      rule: 'address_forbidden',
      addressClass: 'loopback',
    });
    await expect(resolvePublicHost('2130706433', { allowLoopback: true })).resolves.toEqual(['127.0.0.1']);
    await expect(resolvePublicHost('8.8.8.8')).resolves.toEqual(['8.8.8.8']);
  });

  it('refuses a name when any one of its addresses is forbidden', async () => {
    const lookup = async () => ['93.184.215.14', '10.1.2.3'];
    const error = await refusal(resolvePublicHost('mixed.example', { lookup }));
    expect(error).toMatchObject({ rule: 'address_forbidden', address: '10.1.2.3', addressClass: 'private' });
    await expect(
      resolvePublicHost('public.example', { lookup: async () => ['93.184.215.14', '2606:4700::1111'] }),
    ).resolves.toEqual(['93.184.215.14', '2606:4700:0:0:0:0:0:1111']);
  });

  it('names a host that does not resolve', async () => {
    const error = await refusal(resolvePublicHost('no-such-host.invalid'));
    expect(error.rule).toBe('host_unresolvable');
    expect(error.host).toBe('no-such-host.invalid');
  });
});
