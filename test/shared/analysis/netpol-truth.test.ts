import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  connectionList,
  formatLine,
  parseConnectionList,
} from '../../../shared/analysis/connlist.js';
import { fixturesDir, objectsFromDir } from './load-fixtures.js';

const truthDir = join(fixturesDir, 'netpol-truth');
const cases = readdirSync(truthDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('NetworkPolicy evaluation against np-guard/netpol-analyzer truth tables', () => {
  it('finds all seven cases', () => {
    expect(cases).toHaveLength(7);
  });

  for (const name of cases) {
    it(`${name}: gives exactly the expected connectivity`, () => {
      const dir = join(truthDir, name);
      const expectedText = readFileSync(join(dir, `EXPECTED_${name}_connlist_output.txt`), 'utf8');
      // Normalizing through the parser compares connection sets, not their spelling.
      const expected = parseConnectionList(expectedText).map(formatLine).sort();
      const actual = connectionList(objectsFromDir(dir)).map(formatLine).sort();
      expect(expected.length).toBeGreaterThan(0);
      expect(actual).toEqual(expected);
    });
  }
});
