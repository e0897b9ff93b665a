/**
 * The web console in headless Chromium (Debian's, driven by playwright-core) against the local
 * stack provisioning the tutorial, time-scaled: the run page follows the provision run live until
 * its 13 steps are done, the environments page lists the tutorial, the environment page draws
 * team-x and team-y in the heatmap and opens a cell's trace by mouse and by keyboard, the tenant
 * page shows its grants. Screenshots go to test-output/console/. One stack for the whole file.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { buildConsole } from '../../console/build.js';
import { readSeedFile } from '../../local/gcp/index.js';
import { startLocalStack, type LocalStack } from '../../local/stack/index.js';
import { ENVIRONMENT_STEPS } from '../../shared/plan/graph.js';
import { skipWithout } from '../support/binaries.js';
import { eventually, exitOf, startCli, tempStateDir, waitForOutput } from '../e2e/helpers.js';
import { CHROMIUM, launchBrowser, type Browser } from './browser.js';

const SCREENSHOTS = 'test-output/console';
const TIME_SCALE = 0.02;

let stack: LocalStack;
let stateDir: string;
let api: string;
let browser: Browser;
let page: Page;
let runId: string;
/** The URL `egressctl up` (what `npm start` runs) printed for the console. */
let consoleUrl: string;
let up: ReturnType<typeof startCli>;
/** What the page reported that it should not: script errors, refused loads, console errors. */
const problems: string[] = [];

async function open(hash: string): Promise<void> {
  await page.goto(`${consoleUrl}${hash}`);
}

/** The tenant of the focused grid cell (the page's DOM, read in the page). */
function focusedTenant(): Promise<string | null> {
  return page.evaluate<string | null>(
    "document.activeElement?.getAttribute('data-tenant') ?? null",
  );
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

const skip = skipWithout(CHROMIUM);

describe.skipIf(skip)(
  'the console in Chromium, on the local stack provisioning the tutorial',
  {
    timeout: 240_000,
  },
  () => {
    beforeAll(async () => {
      rmSync(SCREENSHOTS, { recursive: true, force: true });
      mkdirSync(SCREENSHOTS, { recursive: true });
      await buildConsole();
      stateDir = tempStateDir('console');
      stack = await startLocalStack({
        stateDir,
        timeScale: TIME_SCALE,
        seed: await readSeedFile('examples/tutorial/local-seed.yaml'),
      });
      api = stack.info.endpoints.api!;
      browser = await launchBrowser();
      page = await browser.context.newPage();
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`HTTP ${response.status()} ${response.url()}`);
      });
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await stack?.stop();
      if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    });

    it('follows the provision run live: the timeline grows until its 13 steps are done', async () => {
      // What `npm start` runs, attached to this file's stack: it prints the console's URL.
      up = startCli([
        'up',
        '-f',
        'examples/tutorial',
        '--target',
        'local',
        '--once',
        '--state-dir',
        stateDir,
      ]);
      await waitForOutput(up, 'tenants: ', 60_000);
      consoleUrl = /web console: (\S+)/.exec(up.output())?.[1] ?? '';
      expect(consoleUrl).toBe(`${api}/console/`);
      runId = /run (run-[0-9a-f-]+) started/.exec(up.output())?.[1] ?? '';
      expect(runId, up.output()).not.toBe('');
      await open(`#/runs/${runId}`);
      const badge = page.locator('h1 .badge');
      await badge.waitFor();
      const doneRows = page.locator('.gantt-row[data-status="DONE"]');
      // Seen while the run goes on: not every step done, the badge not yet an end.
      const firstDone = await doneRows.count();
      expect(['PENDING', 'RUNNING']).toContain(await badge.textContent());
      expect(firstDone).toBeLessThan(ENVIRONMENT_STEPS.length);
      await screenshot('run-in-progress');
      // Then the same page, never reloaded, shows more steps done as its polls read the run.
      await eventually(
        async () => ((await doneRows.count()) > firstDone ? true : undefined),
        'the timeline to show more steps done',
        120_000,
      );
      await page
        .locator('h1 .badge', { hasText: /SUCCEEDED|FAILED/ })
        .waitFor({ timeout: 180_000 });
      expect(await badge.textContent()).toBe('SUCCEEDED');
      expect(await doneRows.count()).toBe(ENVIRONMENT_STEPS.length);
      const names = await page
        .locator('.gantt-row')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-step')));
      expect(names).toEqual([...ENVIRONMENT_STEPS]);
      // The critical path is marked, and the step table lists each step's calls.
      expect(await page.locator('.gantt-bar.critical').count()).toBeGreaterThan(0);
      expect(
        await page.locator('[data-testid="steps"] tr[data-step="cluster"] td.number').textContent(),
      ).toMatch(/^[1-9]\d*$/);
      await screenshot('run');
      // `egressctl up --once` followed the same run to its end: exit 0 for SUCCEEDED.
      expect(await exitOf(up), up.output()).toBe(0);
    });

    it('lists the tutorial environment with its status, last run, tenants and findings', async () => {
      await open('#/');
      const row = page.locator('tr[data-environment="tutorial"]');
      await row.waitFor();
      await eventually(
        async () =>
          (await row.locator('.badge').first().textContent()) === 'READY' ? true : undefined,
        'the environment to be READY',
        60_000,
      );
      expect(await row.locator('[data-field="tenants"]').textContent()).toBe('2');
      expect(Number(await row.locator('[data-field="findings"]').textContent())).toBeGreaterThan(0);
      expect(await row.locator('a[href^="#/runs/"]').count()).toBe(1);
      await screenshot('environments');
    });

    it('draws team-x and team-y in the heatmap; a cell opens its trace by mouse and by keyboard', async () => {
      await open('#/environments/tutorial');
      await page.locator('[role="gridcell"]').first().waitFor();
      const tenants = await page.locator('[role="rowheader"]').allTextContents();
      expect(tenants).toEqual(['team-x', 'team-y']);
      const allowed = page.locator(
        '[role="gridcell"][data-tenant="team-x"][data-url="http://example.com/"]',
      );
      expect(await allowed.textContent()).toContain('allow');
      await allowed.click();
      const trace = page.locator('aside.trace');
      await trace.locator('.hop').first().waitFor();
      expect(await trace.locator('.facts .badge').textContent()).toBe('ALLOWED');
      expect(
        await trace.locator('.hop[data-stage="authorization-policy"]').count(),
      ).toBeGreaterThan(0);
      await screenshot('environment-trace');

      // The keyboard: Escape closes and gives the focus back; ArrowDown moves to team-y; Enter opens.
      await page.keyboard.press('Escape');
      await trace.waitFor({ state: 'detached' });
      expect(await focusedTenant()).toBe('team-x');
      await page.keyboard.press('ArrowDown');
      // The grid moves the focus after it renders the move.
      await eventually(
        async () => ((await focusedTenant()) === 'team-y' ? true : undefined),
        'the focus to move down to team-y',
        5_000,
        50,
      );
      await page.keyboard.press('Enter');
      await trace.locator('.hop').first().waitFor();
      expect(await trace.locator('h3').textContent()).toContain('team-y');
      expect(await trace.locator('.facts .badge').textContent()).toBe('DENIED_NO_ROUTE');

      // Filtering by tenant keeps one row.
      await page.getByLabel('Tenant', { exact: true }).fill('team-y');
      await eventually(
        async () => ((await page.locator('[role="rowheader"]').count()) === 1 ? true : undefined),
        'the filter to keep one row',
        5_000,
      );
    });

    it('shows a tenant with its grants', async () => {
      await open('#/environments/tutorial/tenants/team-y');
      const egress = page.locator('[data-testid="egress"] tbody tr');
      await egress.first().waitFor();
      expect(await egress.first().textContent()).toContain('httpbin.org');
      expect(await egress.first().textContent()).toContain('/status/418');
      // Both tenants are applied by the provision run's last pass (their PUTs marked it dirty).
      await page.locator('h1 .badge', { hasText: 'APPLIED' }).waitFor({ timeout: 60_000 });
      // Its access history: the cell it gained when its spec was applied (read every 5 s).
      const gained = page.locator('[data-testid="access-history"] tr[data-change="gained"]');
      await gained.first().waitFor({ timeout: 30_000 });
      expect(await gained.allTextContents()).toContainEqual(
        expect.stringMatching(/GET http:\/\/httpbin\.org\/status\/418.*ALLOWED plain-http/),
      );
      await screenshot('tenant');
    });

    it('loaded everything from the service, with no error on any page', () => {
      expect(problems).toEqual([]);
    });
  },
);
