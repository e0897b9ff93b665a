/**
 * The Chromium the console's browser tests drive (console/chromium.ts): the first `chromium` on
 * PATH, else Debian's. Under CI=true a missing one fails the suite (test/support/binaries.ts).
 */
import { launchChromium, type ConsoleBrowser } from '../../console/chromium.js';
import { binaryPath } from '../support/binaries.js';

export const CHROMIUM = binaryPath('chromium', '/usr/bin/chromium');

export type Browser = ConsoleBrowser;

/** Starts headless Chromium with a fresh profile. */
export function launchBrowser(): Promise<Browser> {
  return launchChromium(CHROMIUM);
}
