import { workflowError } from '../errors.js';
import { typeName, type WfMap, type WfTypeName, type WfValue } from '../values.js';

/** What a standard-library function may ask of the running execution. */
export interface StdlibEnvironment {
  /** Current time in milliseconds since the epoch (from the injected clock). */
  nowMs(): number;
  /** An environment variable (built-in or user-defined), or null. */
  getEnv(name: string): string | null;
}

/** A non-blocking standard-library function: callable from expressions and `call` steps. */
export interface StdlibFunction {
  /** Parameter names, in order: `call` steps pass arguments by these names. */
  params: string[];
  /** How many leading parameters are required. */
  required: number;
  run(args: WfValue[], env: StdlibEnvironment): WfValue;
}

/** The functions of one library namespace group, by qualified name, in the docs' order. */
export type StdlibEntries = Array<[string, StdlibFunction]>;

/** A function entry: its parameter names, how many of them are required, and its body. */
export const fn = (
  params: string[],
  required: number,
  run: StdlibFunction['run'],
): StdlibFunction => ({
  params,
  required,
  run,
});

/** Argument `name` of function `fn`, which must be of one of `types` (else TypeError). */
export function arg<T extends WfTypeName>(
  fn: string,
  name: string,
  value: WfValue | undefined,
  ...types: T[]
): WfValue {
  const actual = typeName(value ?? null);
  if (!(types as string[]).includes(actual)) {
    throw workflowError(
      'TypeError',
      `${fn}: argument "${name}" must be ${types.join(' or ')}, got ${actual}`,
    );
  }
  return value as WfValue;
}

/** A string argument. */
export const str = (fn: string, name: string, v: WfValue | undefined): string =>
  arg(fn, name, v, 'string') as string;

/** A map argument. */
export const mapArg = (fn: string, name: string, v: WfValue | undefined): WfMap =>
  arg(fn, name, v, 'map') as WfMap;

/** A bytes argument. */
export function bytesOf(fn: string, name: string, v: WfValue | undefined): Uint8Array {
  return arg(fn, name, v, 'bytes') as Uint8Array;
}
