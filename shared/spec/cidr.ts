import { ALL_IPV4, blockContains, blockRange, type Ipv4Block, parseIpv4Block } from '../lib/ip.js';

// The spec's CIDR vocabulary is shared/lib/ip.ts's; re-exported so shared/spec's public surface
// (and its validators) keep one import for ranges.
export {
  blockContains,
  blockSize,
  blocksOverlap,
  type Ipv4Block,
  parseIpv4Block,
} from '../lib/ip.js';

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

/** True when the blocks together hold every IPv4 address (0.0.0.0/1 + 128.0.0.0/1, say). */
export function coversAllIpv4(blocks: readonly Ipv4Block[]): boolean {
  const ranges = blocks.map(blockRange).sort((a, b) => a.from - b.from);
  let next = ALL_IPV4.from; // the first address not yet covered
  for (const range of ranges) {
    if (range.from > next) return false;
    next = Math.max(next, range.to + 1);
    if (next > ALL_IPV4.to) return true;
  }
  return false;
}
