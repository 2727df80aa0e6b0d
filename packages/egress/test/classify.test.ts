import { describe, expect, it } from 'vitest';
import { classifyAddress, parseIpLiteral } from '../src/index.ts';

describe('parseIpLiteral', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['017700000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    // glibc refuses a bare 0x, WHATWG URL reads it as 0: the stricter reading is the forbidden address.
    ['0x', '0.0.0.0'],
    ['10.0.5', '10.0.0.5'],
    ['0xa9.0xfe.0xa9.0xfe', '169.254.169.254'],
    ['169.254.169.254.', '169.254.169.254'],
    ['[::1]', '0:0:0:0:0:0:0:1'],
    ['::ffff:127.0.0.1', '0:0:0:0:0:ffff:7f00:1'],
    ['fe80::1%eth0', 'fe80:0:0:0:0:0:0:1'],
    ['2606:4700::1111', '2606:4700:0:0:0:0:0:1111'],
  ])('reads %s as %s', (host, address) => {
    expect(parseIpLiteral(host)?.address).toBe(address);
  });

  it.each([
    'example.org',
    '256.1.1.1',
    '1.2.3.4.5',
    '08.1.1.1',
    '1..1',
    '',
    '4294967296',
    'gitlab.example.org.evil.tld',
  ])('reads %s as a name', (host) => {
    expect(parseIpLiteral(host)).toBeNull();
  });
});

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.192', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['203.0.113.9', 'documentation'],
    ['2130706433', 'loopback'],
    ['0x0a000005', 'private'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fd00:ec2::254', 'metadata'],
    ['fd12:3456::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'ipv4-mapped'],
    ['::ffff:8.8.8.8', 'ipv4-mapped'],
    ['::ffff:7f00:1', 'ipv4-mapped'],
    ['::127.0.0.1', 'ipv4-compatible'],
    ['64:ff9b::a9fe:a9fe', 'nat64'],
    ['64:ff9b:1::1', 'nat64'],
    ['2002:7f00:1::', '6to4'],
    ['2001:0:4136:e378::1', 'teredo'],
    ['2001:db8::1', 'documentation'],
    ['100::1', 'reserved'],
    ['2606:4700::1111', 'public'],
    ['2a00:1450:4001::200e', 'public'],
  ])('%s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  it('is null for names', () => {
    expect(classifyAddress('localhost')).toBeNull();
  });
});
