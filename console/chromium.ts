/**
 * Headless Chromium for the console's browser tests and benchmark: Debian's (`apt-get install
 * chromium`, which .ci/run does) driven by playwright-core, never a browser playwright
 * downloads. Each launch gets a fresh profile and no background networking (the machine's
 * network is closed: without these flags Chromium keeps trying Google's hosts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** The flags every launch passes. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A running browser with its own profile; `close` ends it and removes the profile. */
export interface ConsoleBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts headless Chromium (`executablePath`) with a fresh user-data-dir. */
export async function launchChromium(
  executablePath: string = DEBIAN_CHROMIUM,
  viewport = { width: 1400, height: 1000 },
): Promise<ConsoleBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
    });
    return {
      context,
      async close() {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}
