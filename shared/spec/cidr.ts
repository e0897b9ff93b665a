import ipaddr from 'ipaddr.js';

/** An IPv4 CIDR block taken apart: network address as a 32-bit number and prefix length. */
export interface Ipv4Block {
  /** The text as written in the spec. */
  text: string;
  /** The address as written, as an unsigned 32-bit number (may carry host bits). */
  address: number;
  prefix: number;
  /** The network address (host bits cleared), as an unsigned 32-bit number. */
  network: number;
  /** `network/prefix` in dotted form, the only spelling Google accepts. */
  canonical: string;
}

/**
 * Parses an IPv4 CIDR; undefined when the text is not one (the zod schema reports that case,
 * so callers simply skip further checks).
 */
export function parseIpv4Block(text: string): Ipv4Block | undefined {
  if (!ipaddr.IPv4.isValidCIDR(text)) return undefined;
  const [address, prefix] = ipaddr.IPv4.parseCIDR(text);
  const network = ipaddr.IPv4.networkAddressFromCIDR(text);
  return {
    text,
    address: toNumber(address),
    prefix,
    network: toNumber(network),
    canonical: `${network.toString()}/${prefix}`,
  };
}

/** Number of addresses in the block. */
export function blockSize(block: Ipv4Block): number {
  return 2 ** (32 - block.prefix);
}

/** True when the two blocks share at least one address. */
export function blocksOverlap(a: Ipv4Block, b: Ipv4Block): boolean {
  const shorter = Math.min(a.prefix, b.prefix);
  return maskTo(a.network, shorter) === maskTo(b.network, shorter);
}

/** True when `inner` lies entirely inside `outer`. */
export function blockContains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return inner.prefix >= outer.prefix && maskTo(inner.network, outer.prefix) === outer.network;
}

/**
 * The ranges GKE accepts for private cluster addressing without "privately used public IP"
 * configuration: RFC 1918 and RFC 6598 (shared address space, which GKE documents as usable).
 */
export const PRIVATE_IPV4_RANGES: readonly Ipv4Block[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
].map((text) => parseIpv4Block(text) as Ipv4Block);

/** True when the whole block lies inside one of PRIVATE_IPV4_RANGES. */
export function isPrivateBlock(block: Ipv4Block): boolean {
  return PRIVATE_IPV4_RANGES.some((range) => blockContains(range, block));
}

function toNumber(address: ipaddr.IPv4): number {
  return address.octets.reduce((n, octet) => n * 256 + octet, 0);
}

function maskTo(value: number, prefix: number): number {
  if (prefix === 0) return 0;
  const size = 2 ** (32 - prefix);
  return Math.floor(value / size) * size;
}
