import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { browserTests, launchOptions } from '../../scripts/chromium';
import { readRows } from './outputs';

// The main job with --dashboard, watched in headless Chromium while it runs. Expected values come
// from the job's own output files (what it committed), not from the dashboard's code.

const examples = join(dirname(fileURLToPath(import.meta.url)), '..');
const shots = join(examples, '.test-output', 'dashboard');
const browserPlan = browserTests(inject('chromiumPath'));
const chromiumPath = browserPlan.kind === 'run' ? browserPlan.path : '';

interface Sample {
  readonly state: string;
  readonly recordsIn: string;
  readonly points: number;
  readonly alerts: number;
  readonly places: number;
}

describe('Chromium for the browser tests', () => {
  // a missing browser fails the test command instead of skipping what follows in silence
  it.runIf(browserPlan.kind === 'missing')(
    'is installed (or EVENTIDE_SKIP_BROWSER=1 says to skip them)',
    () => {
      throw new Error(browserPlan.kind === 'run' ? '' : browserPlan.why);
    },
  );

  it('missing, fails the browser tests unless EVENTIDE_SKIP_BROWSER=1', () => {
    expect(browserTests('/usr/bin/chromium', {})).toEqual({ kind: 'run', path: '/usr/bin/chromium' });
    expect(browserTests('/usr/bin/chromium', { EVENTIDE_SKIP_BROWSER: '1' }).kind).toBe('run');
    const missing = browserTests('', {});
    expect(missing.kind).toBe('missing');
    expect(missing.kind === 'run' ? '' : missing.why).toMatch(
      /apt-get install -y chromium.*EVENTIDE_SKIP_BROWSER=1/,
    );
    for (const v of ['', '0', 'true', 'yes'])
      expect(browserTests('', { EVENTIDE_SKIP_BROWSER: v }).kind).toBe('missing');
    expect(browserTests('', { EVENTIDE_SKIP_BROWSER: '1' }).kind).toBe('skip');
  });
});

describe.skipIf(browserPlan.kind !== 'run')(
  'the dashboard in a browser (pnpm start -- --dashboard --follow)',
  () => {
    let child: ChildProcess;
    let out: string;
    let browser: Browser;
    let cityUrl = '';
    let base = '';
    let samples: { service: string; url: string }[] = [];
    let stdout = '';
    const waitFor = async (test: () => boolean, what: string, ms = 60_000) => {
      const deadline = Date.now() + ms;
      while (!test()) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; the job printed:\n${stdout}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    beforeAll(async () => {
      mkdirSync(shots, { recursive: true });
      out = mkdtempSync(join(tmpdir(), 'metering-dashboard-'));
      // Two simulated days at 20,000× take about 9 s: long enough to watch the page fill in.
      child = spawn(
        process.execPath,
        [
          '--conditions=@eventide/source',
          '--import',
          'tsx',
          'metering/main.ts',
          '--dashboard',
          '--port',
          '0',
          '--follow',
          '--speed',
          '20000',
          '--services',
          '150',
          '--days',
          '2',
          '--out',
          out,
        ],
        { cwd: examples, env: { ...process.env, INIT_CWD: examples }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout!.setEncoding('utf8').on('data', (s: string) => {
        stdout += s;
      });
      child.stderr!.setEncoding('utf8').on('data', (s: string) => {
        stdout += s;
      });
      await waitFor(() => (stdout.match(/customer page of/g) ?? []).length >= 3, 'the dashboard address');
      cityUrl = /dashboard: (http:\S+)/.exec(stdout)![1]!;
      base = new URL(cityUrl).origin;
      samples = [...stdout.matchAll(/customer page of (\S+): (http\S+)/g)].map((m) => ({
        service: m[1]!,
        url: m[2]!,
      }));
      browser = await chromium.launch(launchOptions(chromiumPath));
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      child?.kill('SIGINT');
    });

    const sample = async (page: Page): Promise<Sample> => ({
      state: (await page.textContent('#state')) ?? '',
      recordsIn:
        (await page
          .locator('[data-health="records-in"]')
          .textContent()
          .catch(() => '')) ?? '',
      points: Number((await page.getAttribute('#chart', 'data-points')) ?? 0),
      alerts: await page.locator('#alerts li').count(),
      places: await page.locator('#map circle[data-value]').count(),
    });

    it('the map, chart, alert feed and health fill in as the run proceeds, and end equal to the outputs', async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(cityUrl);
      const seen: Sample[] = [];
      for (;;) {
        const s = await sample(page);
        seen.push(s);
        if (s.state === 'finished') break;
        expect(seen.length, JSON.stringify(seen.slice(-3))).toBeLessThan(600);
        await page.waitForTimeout(200);
      }
      const running = seen.filter((s) => s.state === 'running');
      // It moved while running: the health numbers changed, the chart and the map grew.
      expect(new Set(running.map((s) => s.recordsIn)).size, JSON.stringify(seen)).toBeGreaterThanOrEqual(3);
      expect(new Set(running.map((s) => s.points)).size).toBeGreaterThanOrEqual(3);
      expect(running.some((s) => s.places > 0)).toBe(true);
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]!.points).toBeGreaterThanOrEqual(seen[i - 1]!.points);
        expect(seen[i]!.alerts).toBeGreaterThanOrEqual(seen[i - 1]!.alerts);
      }
      // The job's files are complete once it says it is still serving the finished run.
      await waitFor(() => stdout.includes('still serving the finished run'), 'the end of the run');
      const alerts = readRows(out, 'alerts', 'csv');
      expect(alerts.length).toBeGreaterThan(3);
      expect(
        running.some((s) => s.alerts > 0 && s.alerts < alerts.length),
        JSON.stringify(running),
      ).toBe(true);
      await page.waitForTimeout(600);
      // The feed lists the newest 200 alerts: all of them when there are fewer.
      const FEED = 200;
      expect(await page.locator('#alerts li').count()).toBe(Math.min(FEED, alerts.length));
      const feed = await page
        .locator('#alerts li')
        .evaluateAll((lis) =>
          lis.map((li) => `${li.getAttribute('data-type')} ${li.querySelector('a')?.getAttribute('href')}`),
        );
      const written = alerts.map((a) => `${a.type} /service/${a.service_uid}`);
      if (alerts.length <= FEED)
        expect(feed.map((f) => f.replace(/\?token=.*$/, '')).sort()).toEqual(written.sort());
      else {
        const left = [...written];
        for (const f of feed.map((x) => x.replace(/\?token=.*$/, ''))) {
          const i = left.indexOf(f);
          expect(i, `${f} is not among the written alerts`).toBeGreaterThanOrEqual(0);
          left.splice(i, 1);
        }
      }
      // Every ZIP code with data for the chosen commodity has a coloured marker, and no other.
      const hourly = readRows(out, 'zip', 'csv');
      for (const commodity of ['electricity', 'gas', 'water']) {
        await page.click(`#metrics button[data-metric="${commodity}"]`);
        const drawn = await page
          .locator('#map circle[data-value]')
          .evaluateAll((cs) => cs.map((c) => c.getAttribute('data-place')));
        const expected = new Set(hourly.filter((h) => h.commodity === commodity).map((h) => h.area));
        expect(drawn.sort(), commodity).toEqual([...expected].sort());
        // Each marker holds its ZIP's newest hour.
        const newest = new Map<string, { t: string; q: number }>();
        for (const h of hourly.filter((x) => x.commodity === commodity)) {
          const had = newest.get(h.area!);
          if (had === undefined || had.t <= h.hour_start!)
            newest.set(h.area!, { t: h.hour_start!, q: Number(h.quantity) });
        }
        const values = await page
          .locator('#map circle[data-value]')
          .evaluateAll((cs) =>
            cs.map((c) => [c.getAttribute('data-place'), Number(c.getAttribute('data-value'))] as const),
          );
        for (const [zip, v] of values) expect(v, `${commodity} ${zip}`).toBeCloseTo(newest.get(zip!)!.q, 3);
        await page.screenshot({ path: join(shots, `city-${commodity}.png`), fullPage: true });
      }
      await page.click('#metrics button[data-metric="electricity"]');
      // Filtering the feed by type shows that type only.
      const type = alerts[0]!.type!;
      await page.click(`#alert-types button[data-type="${type}"]`);
      const types = await page
        .locator('#alerts li')
        .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-type')));
      expect(types.length).toBe(Math.min(FEED, alerts.filter((a) => a.type === type).length));
      expect(new Set(types)).toEqual(new Set([type]));
      expect(errors).toEqual([]);
      await page.close();
    }, 120_000);

    it("a customer's page shows that service only", async () => {
      await waitFor(() => stdout.includes('still serving the finished run'), 'the end of the run');
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const daily = readRows(out, 'daily', 'csv');
      const alerts = readRows(out, 'alerts', 'csv');
      // A service with alerts, when a sample has one.
      for (const [i, s] of samples.entries()) {
        await page.goto(s.url);
        await page.waitForSelector('#details dd');
        const facts = await page.locator('#details dd').allTextContents();
        expect(facts).toContain(s.service);
        // Its days: the newest row of each (date, commodity) in daily-use.csv (late corrections replace).
        const mine = new Map<string, number>();
        for (const d of daily.filter((x) => x.service_uid === s.service))
          mine.set(`${d.date} ${d.commodity}`, Number(d.quantity));
        const rows = await page
          .locator('#daily tbody tr')
          .evaluateAll((trs) =>
            trs.map(
              (tr) =>
                [
                  `${tr.getAttribute('data-date')} ${tr.getAttribute('data-metric')}`,
                  Number(tr.getAttribute('data-use')),
                ] as const,
            ),
          );
        expect(new Map(rows)).toEqual(mine);
        const theirs = alerts.filter((a) => a.service_uid === s.service);
        expect(await page.locator('#alerts li[data-type]').count()).toBe(theirs.length);
        expect(Number(await page.getAttribute('#chart', 'data-points'))).toBeGreaterThan(0);
        await page.screenshot({ path: join(shots, `service-${i}.png`), fullPage: true });
        // This page's token opens no other service.
        const other = samples[(i + 1) % samples.length]!.service;
        const token = new URL(s.url).searchParams.get('token')!;
        const res = await page.request.get(`${base}/api/service/${other}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.status()).toBe(403);
        expect(await res.text()).not.toContain(other);
      }
      await page.close();
    }, 60_000);

    it('a missing or wrong token gets 401 or 403 and no data', async () => {
      const page = await browser.newPage();
      const svc = samples[0]!;
      const cases: [string, number][] = [
        [`${base}/`, 401],
        [`${base}/api/meta`, 401],
        [`${base}/api/events`, 401],
        [`${base}/?token=wrong`, 403],
        [`${base}/api/events?token=wrong`, 403],
        [`${base}/service/${svc.service}`, 401],
        [`${base}/api/service/${svc.service}`, 401],
        [`${base}/service/${svc.service}?token=wrong`, 403],
        [
          `${base}/api/service/${svc.service}?token=${new URL(samples[1]!.url).searchParams.get('token')}`,
          403,
        ],
      ];
      for (const [url, status] of cases) {
        const res = await page.goto(url);
        expect(res?.status(), url).toBe(status);
        const body = await res!.text();
        expect(body, url).not.toMatch(/kWh|service_uid|"alerts"|Manhattan/);
      }
      await page.screenshot({ path: join(shots, 'no-token.png') });
      await page.close();
    });
  },
);
