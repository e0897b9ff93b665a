import { workflowError } from '../errors.js';
import type { WfValue } from '../values.js';
import { arg, fn, type StdlibEntries } from './arguments.js';
import { toInt } from './expression-helpers.js';

function mathArgs(fn: string, args: WfValue[]): Array<bigint | number> {
  return args.map(
    (a, i) => arg(fn, ['x', 'y'][i] ?? 'x', a, 'integer', 'double') as bigint | number,
  );
}

/** math.* (https://cloud.google.com/workflows/docs/reference/stdlib/math). */
export const MATH_FUNCTIONS: StdlibEntries = [
  [
    'math.abs',
    fn(['x'], 1, (args) => {
      const [x] = mathArgs('math.abs', args);
      return typeof x === 'bigint' ? (x < 0n ? -x : x) : Math.abs(x!);
    }),
  ],
  [
    'math.floor',
    fn(['x'], 1, (args) => {
      const [x] = mathArgs('math.floor', args);
      return typeof x === 'bigint' ? x : toInt(Math.floor(x!));
    }),
  ],
  [
    'math.sqrt',
    fn(['x'], 1, (args) => {
      const [x] = mathArgs('math.sqrt', args);
      if (Number(x) < 0) throw workflowError('ValueError', 'math.sqrt: negative argument');
      return Math.sqrt(Number(x));
    }),
  ],
  [
    'math.max',
    fn(['x', 'y'], 2, (args) => {
      const [x, y] = mathArgs('math.max', args);
      return Number(x) >= Number(y) ? x! : y!;
    }),
  ],
  [
    'math.min',
    fn(['x', 'y'], 2, (args) => {
      const [x, y] = mathArgs('math.min', args);
      return Number(x) <= Number(y) ? x! : y!;
    }),
  ],
];
