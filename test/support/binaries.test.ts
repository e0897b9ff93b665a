import { basename, dirname } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { binaryPath, skipWithout } from './binaries.js';

describe('skipWithout', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('runs a suite whose binary exists', () => {
    expect(skipWithout(process.execPath)).toBe(false);
  });

  it('skips a suite whose binary is missing only outside CI', () => {
    vi.stubEnv('CI', '');
    expect(skipWithout('/nonexistent/kubectl')).toBe(true);
  });

  it('fails instead of skipping under CI=true', () => {
    vi.stubEnv('CI', 'true');
    expect(() => skipWithout('/nonexistent/kubectl')).toThrow(/\/nonexistent\/kubectl is missing/);
  });

  it('fails under CI=true for a binary that is neither on PATH nor at its fallback', () => {
    vi.stubEnv('CI', 'true');
    vi.stubEnv('PATH', '/nonexistent/bin');
    expect(() => skipWithout(binaryPath('kubectl', '/nonexistent/usr/bin/kubectl'))).toThrow(
      /\/nonexistent\/usr\/bin\/kubectl is missing; under CI=true a suite needing it fails/,
    );
  });
});

describe('binaryPath', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('finds a binary on PATH before its fallback', () => {
    vi.stubEnv('PATH', `/nonexistent/bin:${dirname(process.execPath)}`);
    expect(binaryPath(basename(process.execPath), '/usr/bin/elsewhere')).toBe(process.execPath);
  });

  it('answers the fallback when PATH has no such binary', () => {
    vi.stubEnv('PATH', '/nonexistent/bin');
    expect(binaryPath('kubectl', '/usr/bin/kubectl')).toBe('/usr/bin/kubectl');
  });
});
