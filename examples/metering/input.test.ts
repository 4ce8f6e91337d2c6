import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFleet, readings } from '@eventide/generator';
import { writeRun } from '@eventide/generator/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_START } from './pipeline';
import { runMainSync } from './processes';

// The main job on readings from a file (pnpm start -- --input … --labels …): on a file eventide-gen
// wrote, it gives what the in-process run of the same seed gives; a bad file loses no work.

const job = runMainSync;
const sortedLines = (dir: string, name: string) =>
  readFileSync(join(dir, `${name}.csv`), 'utf8')
    .trimEnd()
    .split('\n')
    .sort();
const scoreTable = (stdout: string) =>
  stdout.split('\n').filter((l) => /^(spike|stopped-reporting|leak|stuck) /.test(l));

describe('main job --input', () => {
  const gen = mkdtempSync(join(tmpdir(), 'metering-input-'));
  const inProcess = join(gen, 'in-process');
  let reference: ReturnType<typeof job>;

  beforeAll(async () => {
    // the run the main job generates for --services 80 --days 2 --seed 7, written as eventide-gen would
    const fleet = createFleet({ seed: 7, services: 80 });
    const config = { start: DEFAULT_START, days: 2, intervalMinutes: 5, anomalies: true, faults: true };
    await writeRun(readings(fleet, config), { dir: join(gen, 'csv'), format: 'csv' });
    await writeRun(readings(fleet, config), { dir: join(gen, 'ndjson'), format: 'ndjson' });
    reference = job('--services', '80', '--days', '2', '--seed', '7', '--workers', '0', '--out', inProcess);
    expect(reference.code, reference.stderr).toBe(0);
  }, 120_000);

  for (const format of ['csv', 'ndjson'] as const) {
    it(`on the ${format} files eventide-gen wrote, the outputs and scores of the in-process run`, () => {
      const out = join(gen, `out-${format}`);
      const r = job(
        '--input',
        join(gen, format, `readings.${format}`),
        '--labels',
        join(gen, format, `labels.${format}`),
        '--out',
        out,
      );
      expect(r.code, r.stderr).toBe(0);
      for (const name of ['alerts', 'daily-use', 'hourly-by-zip', 'hourly-by-borough', 'late-readings']) {
        expect(sortedLines(out, name), name).toEqual(sortedLines(inProcess, name));
      }
      // the same rows are refused (their reasons differ: a file holds "ERR" where the generator held a string)
      expect(sortedLines(out, 'invalid').length).toBe(sortedLines(inProcess, 'invalid').length);
      expect(scoreTable(r.stdout)).toEqual(scoreTable(reference.stdout));
      expect(scoreTable(r.stdout)).toHaveLength(4);
    }, 60_000);
  }

  it('without --labels the alerts are written and not scored', () => {
    const r = job('--input', join(gen, 'csv', 'readings.csv'), '--out', join(gen, 'out-nolabels'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\d+ alerts, not scored: give --labels to score them/);
  }, 60_000);

  it('a truncated last line and a short row are refused with their line and counted; the rest runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metering-input-bad-'));
    const text = readFileSync(join(gen, 'csv', 'readings.csv'), 'utf8')
      .trimEnd()
      .split('\n');
    const lines = [...text.slice(0, 10), 'a,b,c', ...text.slice(10)];
    writeFileSync(join(dir, 'readings.csv'), `${lines.join('\n')}\n`);
    appendFileSync(join(dir, 'readings.csv'), `"${text[5]!.slice(0, 30)}`);
    const out = join(dir, 'out');
    const r = job('--input', join(dir, 'readings.csv'), '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const invalid = readFileSync(join(out, 'invalid.csv'), 'utf8');
    expect(invalid).toMatch(/line 11: Invalid Record Length/);
    expect(invalid).toMatch(new RegExp(`line ${lines.length + 1}: Quote Not Closed`));
    const reportedInvalid = Number(/invalid: ([\d,]+)/.exec(r.stdout)![1]!.replace(/,/g, ''));
    expect(reportedInvalid).toBe(sortedLines(inProcess, 'invalid').length - 1 + 2);
    // no ZIP codes without registrations beside the file
    expect(r.stdout).toMatch(/no registrations beside it: ZIP codes unknown/);
  }, 60_000);

  it('a file that cannot be read at all, or flags that do not fit, stop in one line with exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metering-input-none-'));
    const header = readFileSync(join(gen, 'csv', 'readings.csv'), 'utf8').split('\n', 1)[0]!;
    writeFileSync(join(dir, 'no-quantity.csv'), `${header.replace(',quantity', '')}\n`);
    writeFileSync(join(dir, 'empty.csv'), '');
    const cases: [string[], RegExp][] = [
      [['--input', join(dir, 'no-quantity.csv')], /no-quantity\.csv: no column "quantity" in its header/],
      [['--input', join(dir, 'empty.csv')], /empty\.csv is empty/],
      [['--input', join(dir, 'missing.csv')], /missing\.csv: cannot be read \(ENOENT\)/],
      [
        ['--input', join(gen, 'csv', 'readings.csv'), '--services', '5'],
        /--input reads its readings from the file: leave out --services/,
      ],
      [['--labels', join(gen, 'csv', 'labels.csv')], /--labels scores a run on --input: add --input/],
      [
        ['--input', join(gen, 'csv', 'readings.csv'), '--labels', join(dir, 'nope.csv')],
        /nope\.csv: no such labels file/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = job(...args, '--out', mkdtempSync(join(tmpdir(), 'metering-input-out-')));
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(2);
    }
  }, 60_000);
});
