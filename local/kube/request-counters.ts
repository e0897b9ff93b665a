/** How many requests a simulator served, per verb (tests assert on reads and writes). */

/** Requests served, per verb. `reads` and `writes` sum the object verbs. */
export interface KubeRequestCounters {
  get: number;
  list: number;
  create: number;
  update: number;
  patch: number;
  apply: number;
  delete: number;
  deletecollection: number;
  /** Watch streams opened. */
  watch: number;
  /** Discovery, OpenAPI and version documents. */
  discovery: number;
  readonly reads: number;
  readonly writes: number;
}

/** Counters at zero. */
export function newCounters(): KubeRequestCounters {
  return {
    get: 0,
    list: 0,
    create: 0,
    update: 0,
    patch: 0,
    apply: 0,
    delete: 0,
    deletecollection: 0,
    watch: 0,
    discovery: 0,
    get reads() {
      return this.get + this.list + this.watch;
    },
    get writes() {
      return (
        this.create + this.update + this.patch + this.apply + this.delete + this.deletecollection
      );
    },
  };
}
