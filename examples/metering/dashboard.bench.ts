// The dashboard's cost and speed, on the main job (one thread, CSV outputs, no database):
// 1. throughput with the dashboard off, on with no viewer, and on with 50 viewers (Server-Sent
//    Event clients in another process, as browsers would be), runs interleaved, best of each;
// 2. update latency at --speed 3600: from the moment the paced source releases the reading at an
//    alert's event time to the moment headless Chromium shows the alert (median, p99).
// Usage: pnpm --filter @eventide/examples bench:dashboard [-- --services N --days D --rounds R]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { findChromium, launchOptions } from '../../scripts/chromium';
import { serveMeteringDashboard } from './dashboard';
import { DEFAULT_START, type MeteringOutput, runMetering } from './pipeline';

/** What the page keeps for tests and benchmarks (`window.eventideDashboard`, see assets/globals.d.ts). */
type Hooks = {
  eventideDashboard?: { snapshots: number; alertsShown: Map<number, { t: number; shownAt: number }> };
};

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    services: { type: 'string', default: '1000' },
    days: { type: 'string', default: '7' },
    rounds: { type: 'string', default: '4' },
    'latency-days': { type: 'string', default: '1' },
  },
});
const options = {
  services: Number(values.services),
  days: Number(values.days),
  seed: 42,
  start: DEFAULT_START,
};
const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** 50 Server-Sent Event clients in a child process, reading everything they are sent. */
function viewers(url: string, count: number): Promise<{ child: ChildProcess; bytes: () => Promise<number> }> {
  const u = new URL(url);
  const script = `
    const http = require('node:http');
    let bytes = 0, open = 0;
    for (let i = 0; i < ${count}; i++) {
      http.get('${u.origin}/api/events?token=${u.searchParams.get('token')}', (res) => {
        open++;
        if (open === ${count}) process.send('ready');
        res.on('data', (c) => { bytes += c.length; });
      });
    }
    process.on('message', () => process.send(bytes));
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve) => {
    child.once('message', () =>
      resolve({
        child,
        bytes: () =>
          new Promise((r) => {
            child.once('message', (b) => r(b as number));
            child.send('bytes');
          }),
      }),
    );
  });
}

async function throughput(mode: 'off' | 'on' | 'viewers'): Promise<{ rate: number; note: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'metering-dashboard-bench-'));
  let stop = async () => {};
  let note = '';
  const output: MeteringOutput = {
    dir,
    format: 'csv',
    checkpointDir: join(dir, '.checkpoints'),
    ...(mode === 'off'
      ? {}
      : {
          onLive: async (live) => {
            const d = await serveMeteringDashboard(live, { port: 0 });
            if (mode === 'viewers') {
              const v = await viewers(d.dashboard.url, 50);
              stop = async () => {
                note = `${n((await v.bytes()) / 50)} bytes to each viewer in ${d.dashboard.updates} updates`;
                v.child.kill();
                await d.close();
              };
            } else stop = () => d.close();
          },
        }),
  };
  const r = await runMetering(options, {}, output);
  await stop();
  return { rate: r.records / r.seconds, note };
}

console.log(
  `dashboard: main job, ${options.services} services, ${options.days} days (seed 42), 1 thread, CSV outputs; best of ${values.rounds} interleaved rounds`,
);
const best = { off: 0, on: 0, viewers: 0 };
const notes: string[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  for (const mode of ['off', 'on', 'viewers'] as const) {
    const r = await throughput(mode);
    best[mode] = Math.max(best[mode], r.rate);
    if (r.note) notes.push(r.note);
  }
}
console.log(`dashboard off                 ${n(best.off).padStart(9)} readings/s`);
console.log(
  `dashboard on, no viewer       ${n(best.on).padStart(9)} readings/s  ${(best.on / best.off).toFixed(2)}× off`,
);
console.log(
  `dashboard on, 50 SSE viewers  ${n(best.viewers).padStart(9)} readings/s  ${(best.viewers / best.off).toFixed(2)}× off  (${notes.at(-1)})`,
);

const chromiumPath = findChromium();
if (chromiumPath === undefined) {
  console.log('update latency: skipped, no Chromium (apt-get install -y chromium)');
} else {
  const speed = 3600;
  const dir = mkdtempSync(join(tmpdir(), 'metering-dashboard-latency-'));
  const browser = await chromium.launch(launchOptions(chromiumPath));
  const page = await browser.newPage();
  let wallStart = Number.NaN;
  let close = async () => {};
  const run = await runMetering(
    { ...options, days: Number(values['latency-days']), speed },
    {
      progress: () => {
        if (Number.isNaN(wallStart)) wallStart = Date.now();
      },
    },
    {
      dir,
      format: 'csv',
      checkpointDir: join(dir, '.checkpoints'),
      onLive: async (live) => {
        const d = await serveMeteringDashboard(live, { port: 0 });
        close = () => d.close();
        await page.goto(d.dashboard.url);
        await page.waitForFunction(() => ((globalThis as Hooks).eventideDashboard?.snapshots ?? 0) > 0);
      },
    },
  );
  await page.waitForTimeout(1000);
  const shown = await page.evaluate(() => [
    ...((globalThis as Hooks).eventideDashboard?.alertsShown.values() ?? []),
  ]);
  await browser.close();
  await close();
  // The paced source releases the reading of the interval starting at T at wallStart + (T - start) / speed.
  const latencies = shown
    .map((a) => a.shownAt - (wallStart + (a.t - run.dataStart) / speed))
    .sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  console.log(
    `update latency at --speed ${speed} (${values['latency-days']} day, ${latencies.length} alerts): median ${n(at(0.5))} ms, p99 ${n(at(0.99))} ms, max ${n(latencies.at(-1)!)} ms (event time of the alert → shown in Chromium; includes the 35-minute watermark bound, ${n((35 * 60_000) / speed)} ms at this speed)`,
  );
}
console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB (this process)`);
