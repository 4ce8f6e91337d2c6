import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { keyGroupOf } from '@eventide/core';
import { openRedis } from '@eventide/redis';
import { parse } from 'csv-parse/sync';
import { describe, expect, inject, it } from 'vitest';
import type {} from '../../../../scripts/redis-server';
import { main } from '../../src/cli/main';
import { createFleet, premiseKey, readings, registrationOf } from '../../src/index';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function cli(...args: string[]) {
  const out = capture();
  const err = capture();
  const { code } = await main(args, { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('eventide-gen', () => {
  it('--help lists every option', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const o of [
      '--services',
      '--start',
      '--days',
      '--interval',
      '--seed',
      '--profile',
      '--anomalies',
      '--faults',
      '--format',
      '--out',
    ]) {
      expect(r.stdout).toContain(o);
    }
  });

  it('writes readings, labels and registrations; the same seed gives identical files', async () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'gen-')), mkdtempSync(join(tmpdir(), 'gen-'))];
    for (const dir of dirs) {
      const r = await cli(
        '--services',
        '40',
        '--days',
        '1',
        '--seed',
        '7',
        '--anomalies',
        '0.3',
        '--faults',
        'on',
        '--out',
        dir,
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/readings for 40 services/);
    }
    for (const f of ['readings.csv', 'labels.csv', 'registrations.csv']) {
      expect(readFileSync(join(dirs[0]!, f)).equals(readFileSync(join(dirs[1]!, f)))).toBe(true);
    }
    const regs = parse(readFileSync(join(dirs[0]!, 'registrations.csv')), { columns: true }) as Record<
      string,
      string
    >[];
    expect(regs).toHaveLength(40);
    const rows = parse(readFileSync(join(dirs[0]!, 'readings.csv')), { columns: true }) as Record<
      string,
      string
    >[];
    expect(rows.length).toBeGreaterThan(40 * 280);
    const labels = parse(readFileSync(join(dirs[0]!, 'labels.csv')), { columns: true }) as Record<
      string,
      string
    >[];
    expect(labels.some((l) => l.kind === 'anomaly')).toBe(true);
    expect(labels.some((l) => l.kind === 'fault')).toBe(true);
  });

  it('writes NDJSON with --format ndjson', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-'));
    const r = await cli(
      '--services',
      '3',
      '--days',
      '0.25',
      '--format',
      'ndjson',
      '--interval',
      '15',
      '--out',
      dir,
    );
    expect(r.code).toBe(0);
    const lines = readFileSync(join(dir, 'readings.ndjson'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3 * 24);
    expect(Object.keys(JSON.parse(lines[0]!))).toContain('utility_tariff_name');
  });

  it('reports bad arguments clearly with exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--services', 'many'], /--services must be an integer ≥ 1, got 'many'/],
      [['--days', '0'], /--days must be a positive number, got '0'/],
      [['--format', 'xml'], /--format must be csv or ndjson, got 'xml'/],
      [['--profile', 'paris'], /--profile must be nyc or seed, got 'paris'/],
      [['--anomalies', 'lots'], /--anomalies must be on, off or a number/],
      [['--interval', '7'], /intervalMinutes must be a whole number of minutes dividing a day/],
      [['--start', 'soon'], /start is not a valid time: soon/],
      [['--colour'], /Unknown option '--colour'/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('--help');
    }
  });
});

describe('eventide-gen with paths and sizes', () => {
  const small = ['--services', '3', '--days', '0.05'];
  const oneLine = (text: string) => text.trimEnd().split('\n').length === 1;

  it('refuses an --out that is a file, or lies under one, in one line with exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-paths-'));
    writeFileSync(join(dir, 'file'), 'x');
    for (const out of [join(dir, 'file'), join(dir, 'file', 'sub')]) {
      const r = await cli(...small, '--out', out);
      expect(r.code, out).toBe(2);
      expect(oneLine(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(/is a file|part of the path is a file/);
    }
  });

  it('does not overwrite files in a directory it did not write, unless --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-existing-'));
    writeFileSync(join(dir, 'readings.csv'), 'precious');
    const r = await cli(...small, '--out', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/readings\.csv exists .*--force/);
    expect(readFileSync(join(dir, 'readings.csv'), 'utf8')).toBe('precious');
    const forced = await cli(...small, '--out', dir, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, 'readings.csv'), 'utf8')).toMatch(/^interval_start,/);
    // now the directory is its own (marked): a second run replaces its files without --force
    expect((await cli(...small, '--out', dir, '--seed', '8')).code).toBe(0);
  });

  it('never follows a symbolic link where an output file goes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-link-'));
    expect((await cli(...small, '--out', dir)).code).toBe(0);
    const victim = join(mkdtempSync(join(tmpdir(), 'gen-victim-')), 'victim.txt');
    writeFileSync(victim, 'keep me');
    rmSync(join(dir, 'readings.csv'));
    symlinkSync(victim, join(dir, 'readings.csv'));
    for (const extra of [[], ['--force']]) {
      const r = await cli(...small, '--out', dir, ...extra);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/readings\.csv is a symbolic link/);
    }
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
  });

  it('refuses a directory where an output file goes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-dir-'));
    mkdirSync(join(dir, 'labels.csv'));
    const r = await cli(...small, '--out', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/labels\.csv is a directory/);
  });

  it('--format ndjson writes every file as NDJSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-ndjson-'));
    expect((await cli(...small, '--format', 'ndjson', '--out', dir)).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      '.eventide-gen',
      'labels.ndjson',
      'readings.ndjson',
      'registrations.ndjson',
    ]);
    const regs = readFileSync(join(dir, 'registrations.ndjson'), 'utf8').trim().split('\n');
    expect(regs.map((l) => (JSON.parse(l) as { ServiceId: string }).ServiceId)).toHaveLength(3);
  });

  it('refuses sizes beyond the limits, at once, naming the flag that lifts them', async () => {
    for (const args of [
      ['--services', '1e12', '--days', '1'],
      ['--services', '10', '--days', '1e9'],
    ]) {
      const started = performance.now();
      const r = await cli(...args, '--out', mkdtempSync(join(tmpdir(), 'gen-size-')));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/above the limit .* pass --no-limits/);
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });

  it('the limit is 200 million readings exactly: 200,000,001 is refused naming --no-limits, 200,000,000 passes', async () => {
    // the generator's README: "refuses runs above 200 million readings unless --no-limits".
    // --interval 1440 is one reading per service a day, so the estimate is services × days
    // (200,000,001 = 3 × 66,666,667); --partitions without --to is refused after the limit check
    // and before anything is generated, so a run that gets that far passed the limit.
    const daily = ['--interval', '1440', '--start', '2026-01-05T00:00:00Z', '--partitions', '2'];
    const dir = () => mkdtempSync(join(tmpdir(), 'gen-limit-'));
    const above = await cli('--services', '3', '--days', '66666667', ...daily, '--out', dir());
    expect(above.code).toBe(2);
    expect(above.stderr).toMatch(
      /about 200,000,001 readings, above the limit of 200,000,000 readings .* pass --no-limits/,
    );
    for (const args of [
      ['--services', '100', '--days', '2000000'],
      ['--services', '1', '--days', '200000'],
      ['--services', '3', '--days', '66666667', '--no-limits'],
    ]) {
      const started = performance.now();
      const r = await cli(...args, ...daily, '--out', dir());
      expect(r.stderr, args.join(' ')).not.toMatch(/limit/);
      expect(r.stderr, args.join(' ')).toMatch(/^eventide-gen: --partitions goes with --to\n/);
      expect(r.code).toBe(2);
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });
});

describe('eventide-gen --to redis://…', () => {
  const url = inject('redisUrl');

  it('publishes a run: readings partitioned by premise, the span, registrations, labels, end entries', async () => {
    const stream = `gen-${Date.now()}`;
    const r = await cli(
      '--services',
      '20',
      '--days',
      '0.25',
      '--anomalies',
      'on',
      '--to',
      `${url}/${stream}`,
      '--partitions',
      '4',
    );
    expect(r.code, r.stderr).toBe(0);
    const rows = [
      ...readings(createFleet({ seed: 42, services: 20 }), {
        start: '2026-01-05T05:00:00Z',
        days: 0.25,
        anomalies: true,
      }),
    ];
    expect(r.stdout).toContain(`${rows.length.toLocaleString('en-US')} readings for`);
    expect(r.stdout).not.toContain(new URL(url).password);
    const client = await openRedis(url);
    try {
      const meta = await client.hgetall(`${stream}:meta`);
      expect(meta).toMatchObject({ partitions: '4', complete: '1', start: '2026-01-05T05:00:00.000Z' });
      const premiseOf = new Map(
        createFleet({ seed: 42, services: 20 }).services.map((s) => [
          s.serviceId,
          premiseKey(registrationOf(s)),
        ]),
      );
      let total = 0;
      for (let p = 0; p < 4; p++) {
        const entries = (await client.xrange(`${stream}:${p}`, '-', '+')) as [string, string[]][];
        // the last entry of each partition is its end entry
        expect(entries.at(-1)![1]).toEqual(['end', '1']);
        for (const [, f] of entries.slice(0, -1)) {
          const row = JSON.parse(f[1]!) as { service_uid: string };
          expect(keyGroupOf(premiseOf.get(row.service_uid)!, 4)).toBe(p);
          total++;
        }
      }
      expect(total).toBe(rows.length);
      expect(JSON.parse((await client.get(`${stream}:doc:registrations`))!)).toHaveLength(
        createFleet({ seed: 42, services: 20 }).services.length,
      );
      // publishing again is refused without --force
      const again = await cli('--services', '20', '--days', '0.25', '--to', `${url}/${stream}`);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/already holds a run: add --force/);
    } finally {
      client.disconnect();
    }
  });

  it('refuses --partitions or --speed without --to, and a wrong password, in one line', async () => {
    expect((await cli('--partitions', '4')).stderr).toMatch(/--partitions goes with --to/);
    expect((await cli('--speed', '60')).stderr).toMatch(/--speed goes with --to/);
    const wrong = await cli(
      '--services',
      '2',
      '--days',
      '0.1',
      '--to',
      `${url.replace(/\/\/:[^@]*@/, '//:nope@')}/x`,
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^eventide-gen: Redis at 127\.0\.0\.1:\d+ refused the credentials/);
  });
});
