import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { desiredObjects, toYamlStream } from '../../../../shared/plan/mesh/index.js';
import { tutorialEnvironment, tutorialTenants } from './tutorial.js';

describe('rendered YAML', () => {
  it('reads back identically with a YAML 1.1 reader, as kubectl reads it (team: "y" stays a string)', () => {
    const objects = desiredObjects(tutorialEnvironment(), tutorialTenants());
    const asKubectlReadsIt = parseAllDocuments(toYamlStream(objects), { version: '1.1' }).map((d) =>
      d.toJS(),
    );
    expect(asKubectlReadsIt).toEqual(JSON.parse(JSON.stringify(objects)));
  });
});
