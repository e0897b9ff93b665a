import ipaddr from 'ipaddr.js';

/**
 * IPv4 addresses and CIDR blocks as unsigned 32-bit numbers, for every layer: the spec's range
 * checks, the analyzer's NetworkPolicy ipBlocks and firewall ranges, the GCP simulator's subnet
 * validation. Parsing is ipaddr.js's; only the arithmetic on ranges is ours.
 */

/** An inclusive IPv4 address range as unsigned 32-bit numbers. */
export interface Ipv4Range {
  from: number;
  to: number;
}

/** An IPv4 CIDR block taken apart. */
export interface Ipv4Block {
  /** The text as written. */
  text: string;
  /** The address as written, as an unsigned 32-bit number (may carry host bits). */
  address: number;
  prefix: number;
  /** The network address (host bits cleared), as an unsigned 32-bit number. */
  network: number;
  /** `network/prefix` in dotted form, the only spelling Google accepts. */
  canonical: string;
}

/** The whole IPv4 space. */
export const ALL_IPV4: Ipv4Range = { from: 0, to: 2 ** 32 - 1 };

/**
 * What `ipaddr.IPv4.isValidFourPartDecimal` accepts, less the 0..255 bound. ipaddr's validators
 * throw and catch inside for anything that is not an address, which is slow; hostnames reach
 * {@link ipv4ToNumber} on every analyzed request, so this cheap test turns them away first.
 */
const FOUR_PART_DECIMAL = /^(0|[1-9]\d*)(\.(0|[1-9]\d*)){3}$/;

/**
 * Every character `ipaddr.IPv4.parseCIDR` can accept (decimal, octal and hex parts, 1 to 4 of
 * them, then `/bits`): text outside it is refused without paying for a thrown exception.
 */
const IPV4_CIDR_CHARACTERS = /^[0-9a-fx.]+\/\d+$/i;

function toNumber(address: ipaddr.IPv4): number {
  return address.octets.reduce((n, octet) => n * 256 + octet, 0);
}

/** Parses a dotted four-part IPv4 address to its number; `undefined` for anything else. */
export function ipv4ToNumber(address: string): number | undefined {
  if (!FOUR_PART_DECIMAL.test(address) || !ipaddr.IPv4.isValid(address)) return undefined;
  return toNumber(ipaddr.IPv4.parse(address));
}

/** Formats an unsigned 32-bit number as a dotted IPv4 address. */
export function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Number of addresses in a block of this prefix length. */
function sizeOfPrefix(prefix: number): number {
  return 2 ** (32 - prefix);
}

/**
 * Parses an IPv4 CIDR as ipaddr.js reads one (host bits allowed); `undefined` when the text is
 * not one (IPv6, a hostname, a prefix over 32), so callers decide how to report it.
 */
export function parseIpv4Block(text: string): Ipv4Block | undefined {
  if (!IPV4_CIDR_CHARACTERS.test(text)) return undefined;
  let parsed: [ipaddr.IPv4, number];
  try {
    parsed = ipaddr.IPv4.parseCIDR(text);
  } catch {
    return undefined;
  }
  const [address, prefix] = parsed;
  const size = sizeOfPrefix(prefix);
  const value = toNumber(address);
  const network = Math.floor(value / size) * size;
  return {
    text,
    address: value,
    prefix,
    network,
    canonical: `${numberToIpv4(network)}/${prefix}`,
  };
}

/** Number of addresses in the block. */
export function blockSize(block: Ipv4Block): number {
  return sizeOfPrefix(block.prefix);
}

/** The addresses of a block, first to last. */
export function blockRange(block: Ipv4Block): Ipv4Range {
  return { from: block.network, to: block.network + blockSize(block) - 1 };
}

/** The address range of an IPv4 CIDR; `undefined` when the text is not one. */
export function ipv4CidrRange(text: string): Ipv4Range | undefined {
  const block = parseIpv4Block(text);
  return block && blockRange(block);
}

/** True when `address` lies in `range`. */
export function rangeContains(range: Ipv4Range, address: number): boolean {
  return range.from <= address && address <= range.to;
}

/** True when `inner` lies entirely inside `outer`. */
export function rangeWithin(inner: Ipv4Range, outer: Ipv4Range): boolean {
  return outer.from <= inner.from && inner.to <= outer.to;
}

/** True when the two ranges share at least one address. */
export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.from <= b.to && b.from <= a.to;
}

/** True when the two blocks share at least one address. */
export function blocksOverlap(a: Ipv4Block, b: Ipv4Block): boolean {
  return rangesOverlap(blockRange(a), blockRange(b));
}

/** True when `inner` lies entirely inside `outer`. */
export function blockContains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return rangeWithin(blockRange(inner), blockRange(outer));
}

/** The nth address of a block, counted from its network address (a subnet's gateway is 1). */
export function nthAddress(block: Ipv4Block, n: number): string {
  return numberToIpv4(block.network + n);
}
