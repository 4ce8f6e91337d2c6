import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRedis } from '@eventide/redis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../../scripts/redis-server';
import { readRows } from './outputs';
import { finish as finishProcess, runScript } from './processes';

// The main job on a Redis stream, as users run it: eventide-gen publishes, `pnpm start -- --source`
// consumes, several processes share the partitions, and one is killed with SIGKILL mid-run.

const url = inject('redisUrl');

/** A member of `group` consuming `stream` from `server` (default the suite's Redis). */
function consumer(
  stream: string,
  group: string,
  out: string,
  extra: string[] = [],
  server = url,
): ChildProcess {
  return runScript('metering/main.ts', [
    ...['--source', `${server}/${stream}`, '--group', group, '--out', out],
    ...['--checkpoint-every', '0.1', '--lease-ms', '3000', ...extra],
  ]);
}

const finish = (child: ChildProcess) => finishProcess(child, 'a consumer', 180_000);

const sorted = (dir: string, name: 'daily' | 'alerts' | 'late' | 'invalid') =>
  readRows(dir, name, 'csv')
    .map((r) => JSON.stringify(r))
    .sort();

let client: Awaited<ReturnType<typeof openRedis>>;
let stream: string;
beforeAll(async () => {
  client = await openRedis(url);
  stream = `readings-${randomBytes(3).toString('hex')}`;
  const gen = runScript('../packages/generator/src/cli/bin.ts', [
    ...['--services', '300', '--days', '4', '--seed', '7', '--anomalies', 'on', '--faults', 'on'],
    ...['--to', `${url}/${stream}`, '--partitions', '8'],
  ]);
  const { code, stdout } = await finish(gen);
  expect(stdout).toMatch(/published .* 8 partitions/);
  expect(code).toBe(0);
}, 60_000);
afterAll(() => client?.disconnect());

describe('the main job on Redis Streams', () => {
  it('two consumers split the partitions; one killed with SIGKILL mid-run is taken over, and the outputs equal one consumer’s', async () => {
    // one consumer alone: the reference
    const one = mkdtempSync(join(tmpdir(), 'redis-one-'));
    const ref = await finish(consumer(stream, `one-${stream}`, one));
    expect(ref.code, ref.stderr).toBe(0);
    expect(ref.stdout).toMatch(/this process ran partitions 0, 1, 2, 3, 4, 5, 6, 7 of 8/);

    // two consumers sharing a group; the victim is killed once it has stored a checkpoint
    const group = `two-${stream}`;
    const two = mkdtempSync(join(tmpdir(), 'redis-two-'));
    const survivorProcess = consumer(stream, group, two);
    const victimProcess = consumer(stream, group, two);
    const survivor = finish(survivorProcess);
    const victim = finish(victimProcess);
    const deadline = Date.now() + 60_000;
    // kill the victim once the two share the partitions and it has stored a checkpoint of one of its own
    for (;;) {
      let victimHasCheckpoint = false;
      let survivorHolds = false;
      for (let p = 0; p < 8; p++) {
        const holder = await client.get(`${group}:lease:${p}`);
        if (holder?.includes(`-${survivorProcess.pid}-`)) survivorHolds = true;
        if (
          holder?.includes(`-${victimProcess.pid}-`) &&
          (await client.exists(`${group}:cp:${p}:latest`)) === 1
        ) {
          victimHasCheckpoint = true;
        }
      }
      victimHasCheckpoint &&= survivorHolds;
      if (victimHasCheckpoint) {
        await new Promise((r) => setTimeout(r, 300));
        break;
      }
      if (Date.now() > deadline || (await client.scard(`${group}:finished`)) === 8) {
        throw new Error('the two never shared the partitions before the run ended');
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const finishedBefore = await client.scard(`${group}:finished`);
    victimProcess.kill('SIGKILL');
    const killed = await victim;
    expect(killed.signal).toBe('SIGKILL');
    const s = await survivor;
    expect(s.code, s.stderr).toBe(0);
    // it held a share, then took the victim's over once their leases lapsed
    expect(s.stderr).toMatch(/partitions [\d, ]+ assigned[\s\S]*partitions [\d, ]+ assigned/);
    expect(finishedBefore).toBeLessThan(8);
    expect(s.stdout).toMatch(/every partition has finished/);

    for (const name of ['daily', 'alerts', 'late', 'invalid'] as const) {
      expect(sorted(two, name), name).toEqual(sorted(one, name));
    }
    // the alerts stream holds each alert once: the victim's uncommitted ones were never added
    const inStream = (await client.xrange(`${group}:alerts`, '-', '+')).map(([, f]) => JSON.parse(f[1]!));
    const inFile = readRows(two, 'alerts', 'csv');
    const key = (a: Record<string, unknown>) => `${a.type}|${a.service_uid}|${a.at}|${a.since}|${a.detail}`;
    expect(inStream.map(key).sort()).toEqual(inFile.map(key).sort());
    expect(new Set(inStream.map(key)).size).toBe(inStream.length);
    expect(inStream.length).toBeGreaterThan(20);
  }, 240_000);

  it('is refused in one line: a stream still being published without --follow, flags that do not apply, a wrong password', async () => {
    const open = `open-${stream}`;
    await client.hset(`${open}:meta`, {
      partitions: '2',
      start: '2026-01-05T05:00:00.000Z',
      end: '2026-01-06T05:00:00.000Z',
      intervalMs: '300000',
    });
    const out = mkdtempSync(join(tmpdir(), 'redis-refused-'));
    const r1 = await finish(consumer(open, 'g', out));
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/still being published .* add --follow/);
    const r2 = await finish(consumer(stream, 'g', out, ['--services', '10']));
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/leave out --services/);
    const wrong = consumer(stream, 'g', out, [], url.replace(/\/\/:[^@]*@/, '//:nope@'));
    const r3 = await finish(wrong);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/refused the credentials/);
    expect(r3.stderr).not.toContain(new URL(url).password);
  }, 60_000);
});
