import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../scripts/postgres-server';
import { MeteringStore, TABLES } from '../domain/store';
import { readRows } from './outputs';
import { finish, runScript } from './processes';

// The main job killed with SIGKILL at random moments, then run again with the same command:
// its output files must hold exactly the lines of an uninterrupted run, and its database (SQLite
// by default, PostgreSQL with --db) exactly the rows. One case a test file (recovery-*.test.ts),
// so that the cases, a minute or more each, run side by side.

const ARGS = ['--services', '120', '--days', '3', '--seed', '11', '--checkpoint-every', '0.05'];

function start(out: string, workers: number, db?: string): ChildProcess {
  return runScript('metering/main.ts', [
    ...ARGS,
    '--workers',
    String(workers),
    '--out',
    out,
    ...(db === undefined ? [] : ['--db', db]),
  ]);
}

/** The checkpoint files under `dir` (the job's or its workers'). */
function checkpointsIn(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => /checkpoint-\d+\.json$/.test(f));
  } catch {
    return [];
  }
}

const sortedFiles = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.csv'))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8').split('\n').sort().join('\n')]),
  );

/** Every table of the job's database, each sorted. */
async function tablesOf(where: string): Promise<Record<string, unknown[]>> {
  const store = await MeteringStore.open(where);
  try {
    const out: Record<string, unknown[]> = {};
    for (const t of Object.keys(TABLES) as (keyof typeof TABLES)[])
      if (t !== 'bills') out[t] = await store.dump(t);
    return out;
  } finally {
    await store.close();
  }
}

const newPostgres = () =>
  createDatabase(inject('postgresUrl'), `metering_${process.pid}_${randomBytes(4).toString('hex')}`);

/** The recovery test of the main job on `workers` workers writing to `dialect`. */
export function describeRecovery(workers: 1 | 2, dialect: 'sqlite' | 'postgres'): void {
  describe(`main job with ${workers} worker(s) and ${dialect}, killed with SIGKILL, resumed with the other number`, () => {
    it('resumes from its latest checkpoint and ends with exactly the uninterrupted output', async () => {
      const reference = mkdtempSync(join(tmpdir(), 'metering-ref-'));
      const dbOf = (out: string) => (dialect === 'sqlite' ? join(out, 'metering.db') : newPostgres());
      const refDb = dbOf(reference);
      const ref = await finish(start(reference, workers, refDb));
      expect(ref.code, ref.stderr).toBe(0);
      const expected = sortedFiles(reference);
      expect(Object.keys(expected)).toHaveLength(6);
      const expectedTables = await tablesOf(refDb);
      // the database holds what the files hold: every daily use (the last correction of each), alert,
      // late reading and invalid record
      const lines = (f: string) => expected[f]!.split('\n').filter((l) => l.length > 0).length - 1;
      expect(expectedTables.alerts).toHaveLength(lines('alerts.csv'));
      expect(expectedTables.late).toHaveLength(lines('late-readings.csv'));
      expect(expectedTables.invalid).toHaveLength(lines('invalid.csv'));
      // a day's late correction replaced its row: the table holds the file's last row of each day
      const lastOfDay = new Map<string, Record<string, string>>();
      for (const r of readRows(reference, 'daily', 'csv'))
        lastOfDay.set(`${r.service_uid}|${r.commodity}|${r.date}`, r);
      expect(lastOfDay.size).toBeLessThan(lines('daily-use.csv')); // there were corrections
      const daily = expectedTables.daily as Record<string, string | number>[];
      expect(daily).toHaveLength(lastOfDay.size);
      for (const d of daily) {
        const r = lastOfDay.get(`${d.service_uid}|${d.commodity}|${d.date}`)!;
        expect([d.quantity, d.cost_usd, d.hours]).toEqual([
          Number(r.quantity),
          Number(r.cost_usd),
          Number(r.hours),
        ]);
      }
      if (dialect === 'postgres') {
        // the same rows as SQLite for the same run
        const sqlite = mkdtempSync(join(tmpdir(), 'metering-sqlite-'));
        expect((await finish(start(sqlite, workers))).code).toBe(0);
        expect(await tablesOf(join(sqlite, 'metering.db'))).toEqual(expectedTables);
      }
      let resumed = 0;
      await fc.assert(
        fc.asyncProperty(
          fc
            .array(fc.record({ afterCheckpoint: fc.boolean(), ms: fc.integer({ min: 0, max: 2500 }) }), {
              minLength: 1,
              maxLength: 2,
            })
            // the last kill lands mid-run, so the final run has something to resume
            .map((ks) => ks.map((k, i) => (i === ks.length - 1 ? { ...k, afterCheckpoint: true } : k))),
          async (kills) => {
            const out = mkdtempSync(join(tmpdir(), 'metering-kill-'));
            const db = dbOf(out);
            for (const { afterCheckpoint, ms } of kills) {
              const child = start(out, workers, db);
              const ended = finish(child);
              let exited = false;
              void ended.finally(() => {
                exited = true;
              });
              // A kill counted from a checkpoint this run wrote lands mid-run however slow the start
              // is (the machine may be busy with other tests); one counted from the start may land
              // before any checkpoint, or after the end.
              if (afterCheckpoint) {
                const before = checkpointsIn(join(out, '.checkpoints'));
                const wrote = () => checkpointsIn(join(out, '.checkpoints')).some((f) => !before.includes(f));
                const since = Date.now();
                while (!exited && !wrote() && Date.now() - since < 60_000)
                  await new Promise((r) => setTimeout(r, 20));
              }
              const timer = setTimeout(() => child.kill('SIGKILL'), afterCheckpoint ? ms % 300 : ms);
              await ended;
              clearTimeout(timer);
            }
            // the last run has the other number of workers: state is kept per key group
            const last = await finish(start(out, 3 - workers, db));
            expect(last.code, last.stderr).toBe(0);
            if (last.stdout.includes('resumed from checkpoint')) resumed++;
            expect(sortedFiles(out)).toEqual(expected);
            expect(await tablesOf(db)).toEqual(expectedTables);
          },
        ),
        { numRuns: dialect === 'sqlite' ? 4 : 3 },
      );
      // at least one kill landed mid-run and the next run resumed
      expect(resumed).toBeGreaterThan(0);
    }, 420_000);
  });
}
