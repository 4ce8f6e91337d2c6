import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';

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
