/** The transport protocols a NetworkPolicy can name (Kubernetes `Protocol`). */
export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

/** One of {@link PROTOCOLS}. */
export type Protocol = (typeof PROTOCOLS)[number];

/** An inclusive range of ports, `from` ≤ `to`, both within 1..65535. */
export interface PortRange {
  from: number;
  to: number;
}

/** Lowest and highest port numbers a connection can use. */
export const MIN_PORT = 1;
/** See {@link MIN_PORT}. */
export const MAX_PORT = 65535;

/** Returns whether a string names one of {@link PROTOCOLS} (case-sensitive, as Kubernetes is). */
export function isProtocol(value: string): value is Protocol {
  return (PROTOCOLS as readonly string[]).includes(value);
}

function normalize(ranges: readonly PortRange[]): PortRange[] {
  const sorted = ranges
    .map((r) => ({ from: Math.max(MIN_PORT, r.from), to: Math.min(MAX_PORT, r.to) }))
    .filter((r) => r.from <= r.to)
    .sort((a, b) => a.from - b.from);
  const merged: PortRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    // Adjacent ranges merge too, so equal sets always have one representation.
    if (last && range.from <= last.to + 1) last.to = Math.max(last.to, range.to);
    else merged.push({ ...range });
  }
  return merged;
}

function intersectRanges(a: readonly PortRange[], b: readonly PortRange[]): PortRange[] {
  const out: PortRange[] = [];
  for (const x of a) {
    for (const y of b) {
      const from = Math.max(x.from, y.from);
      const to = Math.min(x.to, y.to);
      if (from <= to) out.push({ from, to });
    }
  }
  return normalize(out);
}

/**
 * An immutable set of (protocol, port) pairs: what a policy admits between two peers. The text
 * form is np-guard/netpol-analyzer's ("All Connections", "TCP 8080", "TCP 10053,UDP 10053",
 * "No Connections").
 */
export class ConnectionSet {
  private constructor(private readonly byProtocol: ReadonlyMap<Protocol, readonly PortRange[]>) {}

  /** Every port of every protocol. */
  static all(): ConnectionSet {
    return new ConnectionSet(
      new Map(PROTOCOLS.map((p) => [p, [{ from: MIN_PORT, to: MAX_PORT }]])),
    );
  }

  /** Nothing. */
  static none(): ConnectionSet {
    return new ConnectionSet(new Map());
  }

  /** The given ports of one protocol (all its ports when `ranges` is omitted). */
  static of(protocol: Protocol, ranges?: readonly PortRange[]): ConnectionSet {
    const normalized = normalize(ranges ?? [{ from: MIN_PORT, to: MAX_PORT }]);
    return new ConnectionSet(normalized.length ? new Map([[protocol, normalized]]) : new Map());
  }

  /** One port of one protocol. */
  static port(protocol: Protocol, port: number): ConnectionSet {
    return ConnectionSet.of(protocol, [{ from: port, to: port }]);
  }

  /**
   * Parses the netpol-analyzer text form: "All Connections", "No Connections", or
   * comma-separated tokens where a token starting with a protocol name opens that protocol
   * ("TCP 80,443-445,UDP 53"); a protocol name alone means all its ports.
   * @throws Error naming the token that is neither a protocol nor a port or port range.
   */
  static parse(text: string): ConnectionSet {
    const trimmed = text.trim();
    if (trimmed === 'All Connections') return ConnectionSet.all();
    if (trimmed === 'No Connections' || trimmed === '') return ConnectionSet.none();
    let result = ConnectionSet.none();
    let current: Protocol | undefined;
    for (const rawToken of trimmed.split(',')) {
      const parts = rawToken.trim().split(/\s+/);
      let portText: string | undefined;
      const head = parts[0] ?? '';
      if (isProtocol(head)) {
        current = head;
        portText = parts[1];
        if (portText === undefined) {
          result = result.union(ConnectionSet.of(head));
          continue;
        }
      } else {
        portText = head;
      }
      const match = /^(\d+)(?:-(\d+))?$/.exec(portText);
      if (!current || !match) {
        throw new Error(
          `connection set "${text}": token "${rawToken.trim()}" is not "PROTOCOL PORT[-PORT]"`,
        );
      }
      const from = Number(match[1]);
      const to = match[2] === undefined ? from : Number(match[2]);
      result = result.union(ConnectionSet.of(current, [{ from, to }]));
    }
    return result;
  }

  /** The port ranges of one protocol (empty when the protocol is not in the set). */
  ranges(protocol: Protocol): readonly PortRange[] {
    return this.byProtocol.get(protocol) ?? [];
  }

  /** Whether the set admits `port` of `protocol`. */
  allows(protocol: Protocol, port: number): boolean {
    return this.ranges(protocol).some((r) => r.from <= port && port <= r.to);
  }

  /** Whether the set admits nothing. */
  isEmpty(): boolean {
    return this.byProtocol.size === 0;
  }

  /** Whether the set admits every port of every protocol. */
  isAll(): boolean {
    return PROTOCOLS.every((p) => {
      const r = this.ranges(p);
      return r.length === 1 && r[0]?.from === MIN_PORT && r[0].to === MAX_PORT;
    });
  }

  /** Everything either set admits. */
  union(other: ConnectionSet): ConnectionSet {
    const map = new Map<Protocol, readonly PortRange[]>();
    for (const p of PROTOCOLS) {
      const merged = normalize([...this.ranges(p), ...other.ranges(p)]);
      if (merged.length) map.set(p, merged);
    }
    return new ConnectionSet(map);
  }

  /** What both sets admit. */
  intersect(other: ConnectionSet): ConnectionSet {
    const map = new Map<Protocol, readonly PortRange[]>();
    for (const p of PROTOCOLS) {
      const both = intersectRanges(this.ranges(p), other.ranges(p));
      if (both.length) map.set(p, both);
    }
    return new ConnectionSet(map);
  }

  /** Whether both sets admit exactly the same pairs. */
  equals(other: ConnectionSet): boolean {
    return this.toString() === other.toString();
  }

  /** The netpol-analyzer text form (protocols in alphabetical order). */
  toString(): string {
    if (this.isAll()) return 'All Connections';
    if (this.isEmpty()) return 'No Connections';
    const parts: string[] = [];
    for (const p of [...PROTOCOLS].sort()) {
      const ranges = this.ranges(p);
      if (!ranges.length) continue;
      const ports = ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`));
      parts.push(`${p} ${ports.join(',')}`);
    }
    return parts.join(',');
  }
}
