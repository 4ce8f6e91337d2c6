import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFleet, readings } from '@eventide/generator';
import { writeRun } from '@eventide/generator/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_START } from './pipeline';
import { runMainSync } from './processes';

// Files as they come from the field: delivered twice, a day again, single rows a week later, one
// row stamped 9999-12-31. A reading is (service, interval start): a copy is a duplicate however
// late it comes, and a timestamp far outside the data's span goes to invalid with its reason; the
// outputs are those of the clean file.

const job = runMainSync;
const lines = (dir: string, name: string) =>
  readFileSync(join(dir, `${name}.csv`), 'utf8')
    .trimEnd()
    .split('\n');
const OUTPUTS = ['alerts', 'daily-use', 'hourly-by-zip', 'hourly-by-borough', 'late-readings'];
const duplicatesOf = (stdout: string) =>
  Number(/duplicates dropped: ([\d,]+)/.exec(stdout)![1]!.replace(/,/g, ''));

describe('main job --input, redelivered and poisoned files', () => {
  const gen = mkdtempSync(join(tmpdir(), 'metering-redelivery-'));
  let header: string;
  let rows: string[];
  let clean: ReturnType<typeof job>;
  const cleanOut = join(gen, 'clean');
  const runOn = (name: string, body: readonly string[]) => {
    const file = join(gen, `${name}.csv`);
    writeFileSync(file, `${[header, ...body].join('\n')}\n`);
    const out = join(gen, `out-${name}`);
    const r = job('--input', file, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    return { r, out };
  };

  beforeAll(async () => {
    const fleet = createFleet({ seed: 11, services: 6 });
    // eight days, faults off: the clean file has no duplicates of its own
    await writeRun(readings(fleet, { start: DEFAULT_START, days: 8, intervalMinutes: 5, anomalies: true }), {
      dir: gen,
      format: 'csv',
    });
    [header, ...rows] = readFileSync(join(gen, 'readings.csv'), 'utf8').trimEnd().split('\n') as [
      string,
      ...string[],
    ];
    clean = job('--input', join(gen, 'readings.csv'), '--out', cleanOut);
    expect(clean.code, clean.stderr).toBe(0);
  }, 120_000);

  const sameOutputs = (out: string) => {
    for (const name of OUTPUTS) expect(lines(out, name), name).toEqual(lines(cleanOut, name));
  };
  const startCol = () => header.split(',').indexOf('interval_start');
  const startCol_ = startCol;

  it('the whole file delivered twice: every copy is a duplicate, the outputs are the clean run’s', () => {
    const { r, out } = runOn('twice', [...rows, ...rows]);
    expect(duplicatesOf(r.stdout) - duplicatesOf(clean.stdout)).toBe(rows.length);
    sameOutputs(out);
  }, 120_000);

  it('the first day again at the end, and single rows a week later: duplicates, nothing counted twice', () => {
    const col = startCol();
    const firstDay = rows.filter((l) => l.split(',')[col]!.startsWith('2026-01-05'));
    expect(firstDay.length).toBeGreaterThan(100);
    const singles = [rows[0]!, rows[7]!, rows[Math.floor(rows.length / 3)]!];
    const { r, out } = runOn('day-again', [...rows, ...firstDay, ...singles]);
    expect(duplicatesOf(r.stdout) - duplicatesOf(clean.stdout)).toBe(firstDay.length + singles.length);
    sameOutputs(out);
  }, 120_000);

  it('one row stamped 9999-12-31 mid-file goes to invalid with the reason, and changes nothing else', () => {
    const col = startCol();
    const bad = rows[Math.floor(rows.length / 2)]!.split(',');
    const endCol = header.split(',').indexOf('interval_end');
    bad[col] = '9999-12-31T00:00:00.000Z';
    bad[endCol] = '9999-12-31T00:05:00.000Z';
    const body = [...rows];
    body.splice(Math.floor(rows.length / 2), 0, bad.join(','));
    const { r, out } = runOn('poisoned', body);
    const invalid = lines(out, 'invalid');
    expect(invalid.length - lines(cleanOut, 'invalid').length).toBe(1);
    expect(invalid.join('\n')).toMatch(/9999-12-31T00:00:00\.000Z is outside the data's span/);
    sameOutputs(out);
    expect(r.stdout).not.toMatch(/\d{5,}\.\d days/);
  }, 120_000);

  it('an end stamped 9999-12-31, a start on 9999-12-30 and an interval of 1 ms: each invalid, the rest unchanged', () => {
    const [startCol, endCol] = [startCol_(), header.split(',').indexOf('interval_end')];
    const at = (k: number) => rows[Math.floor((rows.length * k) / 5)]!.split(',');
    const farEnd = at(1);
    farEnd[endCol] = '9999-12-31T00:00:00.000Z';
    const farStart = at(2);
    farStart[startCol] = '9999-12-30T00:00:00.000Z';
    farStart[endCol] = '9999-12-30T00:05:00.000Z';
    const short = at(3);
    short[endCol] = new Date(Date.parse(short[startCol]!) + 1).toISOString();
    const body = [...rows];
    for (const [k, row] of [
      [4, short],
      [3, farStart],
      [2, farEnd],
    ] as const)
      body.splice(Math.floor((rows.length * k) / 5), 0, row.join(','));
    const { r, out } = runOn('ends', body);
    const added = lines(out, 'invalid').slice(lines(cleanOut, 'invalid').length);
    expect(added, r.stdout).toHaveLength(3);
    expect(added.join('\n')).toMatch(/9999-12-30T00:00:00\.000Z is outside the data's span/);
    expect(added.join('\n')).toMatch(/interval_end is 1 ms after interval_start/);
    expect(added.join('\n')).toMatch(/interval_end is \d+ ms after interval_start/);
    sameOutputs(out);
    expect(r.stdout).not.toMatch(/\d{5,}\.\d days/);
  }, 120_000);

  it('a day missing from the file: the days after it are still in the span', () => {
    const col = startCol_();
    const { r, out } = runOn(
      'gap',
      rows.filter((l) => !l.split(',')[col]!.startsWith('2026-01-07')),
    );
    expect(lines(out, 'invalid')).toEqual(lines(cleanOut, 'invalid'));
    expect(r.stdout).toMatch(/\(8\.0 days,/);
  }, 120_000);
});
