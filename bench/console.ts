/**
 * The console benchmark: the environment page (runs, tenants, findings and the reachability
 * heatmap) of an environment of N synthetic tenants, rendered by the console's real bundle in
 * headless Chromium, against a stub of the API's read routes (bench/console-stub.ts). Prints,
 * per N, the median time from navigation to the first heatmap cell, to a tenant filter applied
 * and to the last row scrolled into view, the DOM cells drawn (virtual scrolling keeps it flat)
 * and the growth from the smallest N; the target is under 2 s at 1,000 tenants.
 */
import { buildConsole } from '../console/build.js';
import { launchChromium, DEBIAN_CHROMIUM } from '../console/chromium.js';
import { startConsoleStub } from './console-stub.js';

export interface ConsoleBenchOptions {
  tenants: number[];
  requests: number;
  runs: number;
  chromium: string;
}

export const DEFAULT_CONSOLE_OPTIONS: ConsoleBenchOptions = {
  tenants: [100, 1000, 3000],
  requests: 24,
  runs: 3,
  chromium: DEBIAN_CHROMIUM,
};

/** The target: a page of 1,000 tenants renders in under 2 s (issue "console"). */
export const TARGET_MS = 2000;

interface Sample {
  loadMs: number;
  filterMs: number;
  scrollMs: number;
  cellsInDom: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The exponent k of time ∝ N^k between two sizes. */
function growthExponent(n1: number, t1: number, n2: number, t2: number): number {
  return Math.log(t2 / t1) / Math.log(n2 / n1);
}

export async function runConsoleBenchmark(
  options: ConsoleBenchOptions,
  write: (line: string) => void,
): Promise<void> {
  await buildConsole();
  const stub = await startConsoleStub({ requests: options.requests });
  const browser = await launchChromium(options.chromium);
  try {
    const measure = async (tenants: number): Promise<Sample> => {
      stub.setTenants(tenants);
      const page = await browser.context.newPage();
      try {
        const began = Date.now();
        await page.goto(`${stub.url}/api/console/#/environments/bench`);
        await page
          .locator(`[role="grid"][data-rows="${tenants}"] [role="gridcell"]`)
          .first()
          .waitFor({
            timeout: 60_000,
          });
        const loadMs = Date.now() - began;
        const cellsInDom = await page.locator('[role="gridcell"]').count();
        const filterBegan = Date.now();
        // A filter that keeps a part of the rows: the names with a 5.
        await page.getByLabel('Tenant', { exact: true }).fill('5');
        await page.locator('[role="grid"]:not([data-rows="' + tenants + '"])').waitFor();
        const filterMs = Date.now() - filterBegan;
        await page.getByLabel('Tenant', { exact: true }).fill('');
        await page.locator(`[role="grid"][data-rows="${tenants}"]`).waitFor();
        const scrollBegan = Date.now();
        await page
          .locator('.hm-scroll')
          .evaluate((el: { scrollTop: number; scrollHeight: number }) => {
            el.scrollTop = el.scrollHeight;
          });
        await page.locator(`[role="row"][aria-rowindex="${tenants + 1}"]`).waitFor();
        const scrollMs = Date.now() - scrollBegan;
        return { loadMs, filterMs, scrollMs, cellsInDom };
      } finally {
        await page.close();
      }
    };

    write(
      `console benchmark: environment page, ${options.requests} requests per tenant, median of ${options.runs} run(s), Chromium ${browser.context.browser()?.version() ?? '?'}`,
    );
    await measure(options.tenants[0]!); // warm-up: the browser's first page pays for its start
    write('tenants  cells     JSON KiB  load ms  filter ms  scroll ms  cells in DOM  load ×');
    const rows: Array<{ tenants: number; load: number }> = [];
    for (const tenants of options.tenants) {
      const samples: Sample[] = [];
      for (let i = 0; i < options.runs; i += 1) samples.push(await measure(tenants));
      const load = median(samples.map((s) => s.loadMs));
      rows.push({ tenants, load });
      write(
        [
          String(tenants).padStart(7),
          String(tenants * options.requests).padStart(6),
          (stub.reachabilityBytes(tenants) / 1024).toFixed(0).padStart(12),
          String(Math.round(load)).padStart(8),
          String(Math.round(median(samples.map((s) => s.filterMs)))).padStart(10),
          String(Math.round(median(samples.map((s) => s.scrollMs)))).padStart(10),
          String(Math.max(...samples.map((s) => s.cellsInDom))).padStart(13),
          (load / rows[0]!.load).toFixed(2).padStart(7),
        ].join('  '),
      );
    }
    const first = rows[0]!;
    const lastRow = rows[rows.length - 1]!;
    if (rows.length > 1) {
      write(
        `growth: load time ∝ tenants^${growthExponent(first.tenants, first.load, lastRow.tenants, lastRow.load).toFixed(2)} from ${first.tenants} to ${lastRow.tenants} tenants (1 would be linear)`,
      );
    }
    const thousand = rows.find((r) => r.tenants === 1000);
    if (thousand) {
      write(
        `target: 1,000 tenants in ${Math.round(thousand.load)} ms against ${TARGET_MS} ms (${(thousand.load / TARGET_MS).toFixed(2)} of the target)`,
      );
    }
  } finally {
    await browser.close();
    await stub.close();
  }
}
