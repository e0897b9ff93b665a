import { describe, expect, it } from 'vitest';
import {
  ALL_IPV4,
  blockContains,
  blockRange,
  blocksOverlap,
  blockSize,
  ipv4CidrRange,
  ipv4ToNumber,
  nthAddress,
  numberToIpv4,
  parseIpv4Block,
  rangeContains,
  rangesOverlap,
  rangeWithin,
} from '../../../shared/lib/ip.js';

const block = (text: string) => {
  const parsed = parseIpv4Block(text);
  if (!parsed) throw new Error(text);
  return parsed;
};

describe('IPv4 addresses', () => {
  it('reads dotted four-part decimal addresses only', () => {
    expect(ipv4ToNumber('0.0.0.0')).toBe(0);
    expect(ipv4ToNumber('10.1.2.3')).toBe(0x0a010203);
    expect(ipv4ToNumber('255.255.255.255')).toBe(ALL_IPV4.to);
    for (const text of ['httpbin.org', '10.1.2', '256.0.0.1', '010.0.0.1', '0xa.0.0.1', '::1', ''])
      expect(ipv4ToNumber(text), text).toBeUndefined();
  });

  it('formats numbers back', () => {
    expect(numberToIpv4(0x0a010203)).toBe('10.1.2.3');
    expect(numberToIpv4(ALL_IPV4.to)).toBe('255.255.255.255');
  });
});

describe('IPv4 CIDR blocks', () => {
  it('takes a block apart, host bits kept in the address and cleared in the network', () => {
    expect(parseIpv4Block('10.1.2.3/16')).toEqual({
      text: '10.1.2.3/16',
      address: 0x0a010203,
      prefix: 16,
      network: 0x0a010000,
      canonical: '10.1.0.0/16',
    });
    expect(blockSize(block('10.0.0.0/24'))).toBe(256);
    expect(blockRange(block('0.0.0.0/0'))).toEqual(ALL_IPV4);
  });

  it('refuses what is not an IPv4 CIDR', () => {
    for (const text of ['10.0.0.0/33', '10.0.0.0', 'example.com/8', '::/0', '10.0.0.0/-1', ''])
      expect(parseIpv4Block(text), text).toBeUndefined();
    expect(ipv4CidrRange('fd00::/8')).toBeUndefined();
  });

  it('reads the forms ipaddr.js reads (hex parts), as before', () => {
    expect(parseIpv4Block('0xa.0.0.0/8')?.canonical).toBe('10.0.0.0/8');
  });

  it('overlap, containment and membership', () => {
    expect(blocksOverlap(block('10.0.0.0/24'), block('10.0.0.128/25'))).toBe(true);
    expect(blocksOverlap(block('10.0.0.0/24'), block('10.0.1.0/24'))).toBe(false);
    expect(blockContains(block('172.16.0.0/12'), block('172.31.255.0/24'))).toBe(true);
    expect(blockContains(block('172.16.0.0/12'), block('172.32.0.0/24'))).toBe(false);
    const range = ipv4CidrRange('199.36.153.8/30');
    expect(range).toEqual({
      from: ipv4ToNumber('199.36.153.8'),
      to: ipv4ToNumber('199.36.153.11'),
    });
    expect(rangeContains(range!, ipv4ToNumber('199.36.153.11')!)).toBe(true);
    expect(rangeContains(range!, ipv4ToNumber('199.36.153.12')!)).toBe(false);
    expect(rangeWithin(range!, ALL_IPV4)).toBe(true);
    expect(rangeWithin(ALL_IPV4, range!)).toBe(false);
    expect(rangesOverlap({ from: 1, to: 5 }, { from: 5, to: 9 })).toBe(true);
    expect(rangesOverlap({ from: 1, to: 4 }, { from: 5, to: 9 })).toBe(false);
  });

  it('counts addresses from the network address, carrying into the next octet', () => {
    expect(nthAddress(block('10.0.0.0/24'), 1)).toBe('10.0.0.1');
    expect(nthAddress(block('10.5.0.0/28'), 2)).toBe('10.5.0.2');
    expect(nthAddress(block('10.0.0.255/32'), 1)).toBe('10.0.1.0');
  });
});
