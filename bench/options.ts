import { InvalidArgumentError } from 'commander';

/**
 * The benchmarks' option parsers: a bad value is commander's usage error (exit 2) naming the
 * option and the rule, never a stack trace.
 */

/** A finite number that passes `rule` (`ruleText` says the rule in words). */
export function numberOption(option: string, rule: (value: number) => boolean, ruleText: string) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || !rule(value)) {
      throw new InvalidArgumentError(`${option} must be ${ruleText}, got "${raw}"`);
    }
    return value;
  };
}

/** An integer from `min` to `max`. */
export function integerOption(option: string, min: number, max: number) {
  return numberOption(
    option,
    (value) => Number.isInteger(value) && value >= min && value <= max,
    `an integer from ${min} to ${max}`,
  );
}

/** A comma-separated list of integers, each from `min` to `max`. */
export function integerListOption(option: string, min: number, max: number) {
  return (raw: string): number[] => {
    const values = raw.split(',').map((part) => Number(part.trim()));
    if (values.some((n) => !Number.isInteger(n) || n < min || n > max)) {
      throw new InvalidArgumentError(
        `${option} must be a comma-separated list of integers from ${min} to ${max}, got "${raw}"`,
      );
    }
    return values;
  };
}
