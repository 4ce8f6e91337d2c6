// Redis Streams figures on a throwaway redis-server (password, 127.0.0.1, append-only file):
//  1. publish: readings/s written by RedisStreamPublisher (what eventide-gen --to does);
//  2. read: readings/s through a job (RedisStreamSource → decodeEntry → a counting sink), and a
//     hand-written XREAD loop doing the same (ratio);
//  3. the main job consuming the stream (one member, 8 partitions) against the main job on the
//     same readings generated in-process;
//  4. lag while a paced publisher writes and a job follows: entries published but not yet read;
//  5. recovery: two consumer processes, one killed with SIGKILL: from the kill to the survivor
//     holding its partitions, and to its first checkpoint of one of them.
// Usage: pnpm --filter @eventide/examples bench:redis [-- --services N --days D]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect, DataStream } from '@eventide/core';
import { createFleet, type MeterReading, premiseKey, readings, registrationOf } from '@eventide/generator';
import { decodeEntry, openRedis, RedisStreamPublisher, RedisStreamSource } from '@eventide/redis';
import { startRedis } from '../../scripts/redis-server';
import { consumeFromRedis } from './consume';
import { DEFAULT_START, runMetering } from './pipeline';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { services: { type: 'string', default: '1000' }, days: { type: 'string', default: '2' } },
});
const services = Number(values.services);
const days = Number(values.days);
const n = (x: number) => Math.round(x).toLocaleString('en-US');
const examples = join(dirname(fileURLToPath(import.meta.url)), '..');
const server = await startRedis();
const url = server.url;
const rss = () => Math.round(process.resourceUsage().maxRSS / 1024);

try {
  const fleet = createFleet({ seed: 42, services });
  const run = readings(fleet, { start: DEFAULT_START, days, anomalies: true, faults: true });
  const premiseOf = new Map(run.resolved.services.map((s) => [s.serviceId, premiseKey(registrationOf(s))]));
  const all: MeterReading[] = [...run];
  console.log(
    `${n(all.length)} readings (${services} services, ${days} days), Redis ${server.port}, 8 partitions`,
  );

  // 1. publish
  const stream = 'readings';
  const pub = await RedisStreamPublisher.open<MeterReading>({
    connection: url,
    stream,
    partitions: 8,
    key: (r) => premiseOf.get(r.service_uid)!,
  });
  let t = performance.now();
  for (let i = 0; i < all.length; i += 1000) await pub.publish(all.slice(i, i + 1000));
  const publishS = (performance.now() - t) / 1000;
  await pub.setMeta({
    start: new Date(run.resolved.start).toISOString(),
    end: new Date(run.resolved.end).toISOString(),
    intervalMs: String(run.resolved.intervalMs),
    services: String(services),
  });
  await pub.putDocument('registrations', run.resolved.services.map(registrationOf) as never);
  await pub.putDocument('labels', []);
  await pub.end();
  await pub.close();
  console.log(
    `1. published ${n(all.length / publishS)} readings/s (${publishS.toFixed(1)} s); peak RSS ${rss()} MiB`,
  );

  // 2. read through a job, and by hand
  t = performance.now();
  let counted = 0;
  const job = connect({
    out: DataStream.from(new RedisStreamSource({ connection: url, stream }))
      .map((e) => decodeEntry<MeterReading>(e))
      .sinkTo({ write: (v: readonly MeterReading[]) => void (counted += v.length) }),
  });
  job.start();
  await job.done;
  const jobS = (performance.now() - t) / 1000;
  const client = await openRedis(url);
  t = performance.now();
  let byHand = 0;
  for (let p = 0; p < 8; p++) {
    let last = '0-0';
    for (;;) {
      const reply = (await client.call('XREAD', 'COUNT', 1000, 'STREAMS', `${stream}:${p}`, last)) as
        | [string, [string, string[]][]][]
        | null;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) break;
      for (const [id, f] of entries) {
        last = id;
        if (f[0] === 'v') {
          JSON.parse(f[1]!);
          byHand++;
        }
      }
    }
  }
  const handS = (performance.now() - t) / 1000;
  console.log(
    `2. read by a job ${n(counted / jobS)} readings/s, by a hand-written XREAD loop ${n(byHand / handS)} readings/s: ${(handS / jobS).toFixed(2)}× the loop`,
  );

  // 3. the main job on the stream, and in-process
  const out = mkdtempSync(join(tmpdir(), 'redis-bench-'));
  t = performance.now();
  const consumed = await consumeFromRedis({
    source: `${url}/${stream}`,
    group: 'bench',
    dir: out,
    format: 'csv',
  });
  const consumeS = (performance.now() - t) / 1000;
  const records = consumed.ran.reduce((a, r) => a + r.result.records, 0);
  const local = await runMetering(
    { services, days, seed: 42, start: DEFAULT_START },
    {},
    {
      dir: mkdtempSync(join(tmpdir(), 'redis-bench-local-')),
      format: 'csv',
    },
  );
  console.log(
    `3. main job from Redis (8 partitions, one process) ${n(records / consumeS)} readings/s; in-process from the generator (one thread) ${n(local.records / local.seconds)} readings/s: ${(local.seconds / consumeS).toFixed(2)}×`,
  );

  // 4. lag: a publisher writing 50,000 readings/s, a job following
  const lagStream = 'lag';
  const lagPub = await RedisStreamPublisher.open<MeterReading>({
    connection: url,
    stream: lagStream,
    partitions: 8,
    key: (r) => premiseOf.get(r.service_uid)!,
  });
  let read = 0;
  const follow = connect({
    out: DataStream.from(
      new RedisStreamSource({ connection: url, stream: lagStream, follow: true, blockMs: 50 }),
    )
      .map((e) => decodeEntry<MeterReading>(e))
      .sinkTo({ write: (v: readonly MeterReading[]) => void (read += v.length) }),
  });
  follow.start();
  const rate = 50_000;
  const lags: number[] = [];
  let published = 0;
  const began = performance.now();
  const sampler = setInterval(() => lags.push(published - read), 100);
  while (published < Math.min(all.length, 500_000)) {
    const due = Math.floor(((performance.now() - began) / 1000) * rate);
    if (due > published) {
      const batch = all.slice(published, Math.min(due, published + 5000));
      await lagPub.publish(batch);
      published += batch.length;
    } else await new Promise((r) => setTimeout(r, 5));
  }
  await lagPub.end();
  await follow.done;
  clearInterval(sampler);
  await lagPub.close();
  lags.sort((a, b) => a - b);
  const p = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]!;
  console.log(
    `4. lag at ${n(rate)} readings/s published: median ${n(p(0.5))} entries (${((p(0.5) / rate) * 1000).toFixed(0)} ms), p99 ${n(p(0.99))} (${((p(0.99) / rate) * 1000).toFixed(0)} ms), max ${n(lags[lags.length - 1]!)}`,
  );

  // 5. recovery
  const group = 'recovery';
  const dir = mkdtempSync(join(tmpdir(), 'redis-bench-recovery-'));
  const member = (): ChildProcess =>
    spawn(
      process.execPath,
      [
        '--conditions=@eventide/source',
        '--import',
        'tsx',
        'metering/main.ts',
        ...['--source', `${url}/${stream}`, '--group', group, '--out', dir],
        ...['--checkpoint-every', '0.5', '--lease-ms', '3000'],
      ],
      { cwd: examples, stdio: ['ignore', 'ignore', 'pipe'] },
    );
  const survivor = member();
  const victim = member();
  let assignedAt = 0;
  let victimKilledAt = 0;
  survivor.stderr!.on('data', (d: Buffer) => {
    if (victimKilledAt > 0 && assignedAt === 0 && /assigned/.test(String(d))) assignedAt = performance.now();
  });
  const holder = async (p: number) => String(await client.get(`${group}:lease:${p}`));
  let taken: number[] = [];
  for (;;) {
    const owners = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(holder));
    taken = owners.flatMap((o, p) => (o.includes(`-${victim.pid}-`) ? [p] : []));
    if (taken.length > 0 && owners.some((o) => o.includes(`-${survivor.pid}-`))) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const before = await client.get(`${group}:cp:${taken[0]}:latest`);
  victim.kill('SIGKILL');
  victimKilledAt = performance.now();
  let firstCheckpointAt = 0;
  while (firstCheckpointAt === 0) {
    const now = await client.get(`${group}:cp:${taken[0]}:latest`);
    if (now !== before && (await holder(taken[0]!)).includes(`-${survivor.pid}-`))
      firstCheckpointAt = performance.now();
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise<void>((resolve) => survivor.once('exit', () => resolve()));
  console.log(
    `5. recovery (lease 3 s, renewed every 1 s, checkpoints every 0.5 s): kill → survivor holds the partitions ${n(assignedAt - victimKilledAt)} ms; kill → its first checkpoint of partition ${taken[0]} ${n(firstCheckpointAt - victimKilledAt)} ms`,
  );
  client.disconnect();
} finally {
  await server.stop();
}
console.log(`peak RSS ${rss()} MiB (this process)`);
