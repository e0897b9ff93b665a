import { afterEach, describe, expect, it, vi } from 'vitest';
import { skipWithout } from './binaries.js';

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
});
