import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../../../cli/load-specs.js';
import { validateDocuments } from '../../../shared/spec/index.js';

// Each broken fixture states, on its first line, the one error it must produce:
// "# expect: <path> <rule>" (the path may contain spaces, the rule never does).
const directory = join(import.meta.dirname, '../../fixtures/spec/broken');
const fixtures = readdirSync(directory)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => {
    const text = readFileSync(join(directory, name), 'utf8');
    const expectLine = /^# expect: (.+) (\S+)\n/.exec(text);
    if (!expectLine) throw new Error(`${name}: first line must be "# expect: <path> <rule>"`);
    return { name, text, path: expectLine[1], rule: expectLine[2] };
  });

describe('broken spec fixtures', () => {
  it('has at least 40 fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
  });

  it.each(fixtures)('$name: $rule at $path', ({ name, text, path, rule }) => {
    const parsed = parseSpecText(name, text);
    const result = validateDocuments(parsed.documents);
    const errors = [...parsed.errors, ...(result.ok ? [] : result.errors)];
    expect(errors.map((error) => ({ path: error.path, rule: error.rule }))).toEqual([
      { path, rule },
    ]);
    expect(errors[0]?.source).toMatch(new RegExp(`^${name.replace('.', '\\.')}#\\d+$`));
  });
});
