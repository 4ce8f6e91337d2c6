import { randomBytes } from 'node:crypto';
import {
  type Checkpoint,
  type CheckpointStorage,
  connect,
  DataStream,
  type HasNode,
  INVALID,
  type InvalidRecord,
  type Job,
  type Source,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '@eventide/core';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRedis } from '../../../scripts/redis-server';
import {
  decodeEntry,
  LeaseLostError,
  openRedis,
  PartitionLeases,
  partitionKey,
  partitionOf,
  RedisCheckpointStorage,
  RedisConnectionError,
  RedisStreamPublisher,
  RedisStreamSink,
  RedisStreamSource,
  type StreamEntry,
} from '../src/index';

const url = inject('redisUrl');
const name = (what: string) => `test-${what}-${randomBytes(4).toString('hex')}`;

interface Row {
  readonly key: string;
  readonly t: number;
  readonly v: number;
}

/** Rows 0..n-1 over `keys` keys, one every 10 ms of event time. */
const rows = (n: number, keys = 5): Row[] =>
  Array.from({ length: n }, (_, i) => ({ key: `k${i % keys}`, t: i * 10, v: i }));

async function publish(stream: string, values: readonly Row[], partitions = 4, end = true): Promise<void> {
  const pub = await RedisStreamPublisher.open<Row>({
    connection: url,
    stream,
    partitions,
    key: (r) => r.key,
  });
  for (let i = 0; i < values.length; i += 100) await pub.publish(values.slice(i, i + 100));
  if (end) await pub.end();
  await pub.close();
}

/** Every value of a Redis stream, in order. */
async function streamValues<T>(client: Redis, stream: string): Promise<T[]> {
  const entries = (await client.xrange(stream, '-', '+')) as [string, string[]][];
  return entries.map(([, f]) => JSON.parse(f[1]!) as T);
}

let client: Redis;
beforeAll(async () => {
  client = await openRedis(url);
});
afterAll(() => client?.disconnect());

const decode = (entries: DataStream<StreamEntry>) =>
  entries
    .map((e) => decodeEntry<Row>(e))
    .onError('invalid')
    .name('decode');

describe('RedisStreamSource', () => {
  it('reads every entry of every partition once, each partition in order, and ends at the end entries', async () => {
    const stream = name('source');
    const input = rows(1000);
    await publish(stream, input);
    const got = await DataStream.from(new RedisStreamSource({ connection: url, stream, batchSize: 64 }))
      .map((e) => ({ p: e.partition, row: decodeEntry<Row>(e) }))
      .collect();
    expect(got.map((g) => g.row).sort((a, b) => a.v - b.v)).toEqual(input);
    for (const g of got) expect(g.p).toBe(partitionOf(g.row.key, 4));
    // within a partition, publication order
    for (let p = 0; p < 4; p++) {
      const vs = got.filter((g) => g.p === p).map((g) => g.row.v);
      expect(vs).toEqual([...vs].sort((a, b) => a - b));
    }
  });

  it('without end entries reads what was there when it opened; with follow it waits for more', async () => {
    const stream = name('bounded');
    await publish(stream, rows(300), 2, false);
    const first = await DataStream.from(new RedisStreamSource({ connection: url, stream })).collect();
    expect(first).toHaveLength(300);
    // follow: entries published while the job runs are read, until the end entries
    const seen: number[] = [];
    const job = connect({
      out: decode(
        DataStream.from(new RedisStreamSource({ connection: url, stream, follow: true, blockMs: 50 })),
      ),
    });
    job.outputs.out.subscribe((r) => seen.push(r.v));
    job.start();
    await new Promise((r) => setTimeout(r, 200));
    await publish(stream, rows(500).slice(300), 2, true);
    await job.done;
    expect(seen.sort((a, b) => a - b)).toEqual(rows(500).map((r) => r.v));
  });

  it('a malformed entry goes to INVALID with its partition, id and reason; the others go on', async () => {
    const stream = name('malformed');
    await publish(stream, rows(20), 1, false);
    await client.xadd(partitionKey(stream, 0), '*', 'v', '{not json');
    await client.xadd(partitionKey(stream, 0), '*', 'other', 'x');
    await publish(stream, rows(30).slice(20), 1, true);
    const decoded = decode(DataStream.from(new RedisStreamSource({ connection: url, stream })));
    const invalid: InvalidRecord<unknown>[] = [];
    const job = connect({ out: decoded, invalid: decoded.getSideOutput(INVALID) });
    const out: Row[] = [];
    job.outputs.out.subscribe((r) => out.push(r));
    job.outputs.invalid.subscribe((r) => invalid.push(r));
    job.start();
    await job.done;
    expect(out.map((r) => r.v)).toEqual(rows(30).map((r) => r.v));
    expect(invalid).toHaveLength(2);
    expect(String(invalid[0]!.reason)).toMatch(/partition 0: "v" is not JSON/);
    expect(String(invalid[1]!.reason)).toMatch(/has no "v" field \(fields: other\)/);
    expect(job.metrics().decode!.invalid).toBe(2);
  });

  it('resumes right after the position in a checkpoint: nothing read twice, nothing skipped', async () => {
    const stream = name('position');
    await publish(stream, rows(700), 3);
    const source = new RedisStreamSource({ connection: url, stream, batchSize: 50 });
    const reader = source.open();
    const before: StreamEntry[] = [];
    for (let i = 0; i < 5; i++) before.push(...((await reader.read()) ?? []));
    const position = reader.position!();
    reader.close!();
    const rest = await DataStream.from({ open: () => source.open(position) }).collect();
    const all = [...before, ...rest].map((e) => decodeEntry<Row>(e).v).sort((a, b) => a - b);
    expect(all).toEqual(rows(700).map((r) => r.v));
  });
});

/** Publishes rows, sums them per key and 100 ms window into a Redis stream, crashing once at `failAt` records. */
async function windowedToRedis(
  stream: string,
  out: string,
  storage: RedisCheckpointStorage,
  failAt?: number,
) {
  let seen = 0;
  const sums = decode(DataStream.from(new RedisStreamSource({ connection: url, stream, batchSize: 37 })))
    .map((r) => {
      if (++seen === failAt) throw new Error('simulated crash');
      return r;
    })
    .name('crash')
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forBoundedOutOfOrderness<Row>(1000).withTimestampAssigner((r) => r.t),
    )
    .name('ts')
    .keyBy((r) => r.key)
    .window(TumblingEventTimeWindows.of(100))
    .reduce((a, b) => ({ ...a, v: a.v + b.v }))
    .name('sums');
  const job = connect(
    {
      out: sums
        .sinkTo(new RedisStreamSink<Row>({ connection: url, stream: out, writer: 'sums' }))
        .name('redis'),
    },
    { checkpoints: { storage, interval: { records: 120 } } },
  );
  job.start();
  await job.done;
  return job;
}

/** The windowed sums by brute force. */
function expectedSums(input: readonly Row[]): Row[] {
  const by = new Map<string, Row>();
  for (const r of input) {
    const k = `${r.key}|${Math.floor(r.t / 100)}`;
    const s = by.get(k);
    by.set(k, s === undefined ? r : { ...s, v: s.v + r.v });
  }
  return [...by.values()];
}
const order = (xs: readonly Row[]) => [...xs].sort((a, b) => a.key.localeCompare(b.key) || a.t - b.t);

describe('RedisStreamSink and RedisCheckpointStorage: exactly once', () => {
  it('a job that crashes and resumes from its checkpoint in Redis writes each window once', async () => {
    const input = rows(900, 7);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 899 }), async (failAt) => {
        const stream = name('eo-in');
        const out = name('eo-out');
        // one partition: a reader of several interleaves them read by read, and its watermark
        // would make a slower partition's records late (see RedisStreamSource)
        await publish(stream, input, 1);
        const storage = new RedisCheckpointStorage({ connection: url, prefix: name('eo-cp') });
        await expect(windowedToRedis(stream, out, storage, failAt)).rejects.toThrow('simulated crash');
        const committed = await streamValues<Row>(client, out);
        // what the crashed run made visible is only whole checkpoints, each window at most once
        expect(new Set(committed.map((r) => `${r.key}|${r.t}`)).size).toBe(committed.length);
        await windowedToRedis(stream, out, storage);
        expect(order(await streamValues<Row>(client, out))).toEqual(order(expectedSums(input)));
        // nothing left staged
        expect(await client.keys(`${out}:txn:*`)).toEqual([]);
        await storage.close();
      }),
      { numRuns: 6 },
    );
  });

  it('a job restored from a checkpoint older than the writer’s last commit replays into the stream once', async () => {
    const out = name('older');
    const n = 50;
    let job: Job<{ out: HasNode<never> }> | undefined;
    // 0..n-1, ten a read, with positions; each read waits until the checkpoint the last batch
    // started has committed, so every run cuts a checkpoint after every batch
    const numbers: Source<number> = {
      open(position) {
        const from = typeof position === 'number' ? position : 0;
        let i = from;
        return {
          read: async () => {
            while (job === undefined || job.checkpoints.completed < (i - from) / 10)
              await new Promise((r) => setTimeout(r, 1));
            if (i >= n) return null;
            const batch = Array.from({ length: Math.min(10, n - i) }, (_, k) => i + k);
            i += batch.length;
            return batch;
          },
          position: () => i,
        };
      },
    };
    const saved: Checkpoint[] = [];
    const storage: CheckpointStorage = {
      save: async (c) => {
        saved.push(structuredClone(c));
        return { id: c.id, size: 0 };
      },
      latest: async () => saved.at(-1),
    };
    const run = async (restore?: Checkpoint) => {
      job = connect(
        {
          out: DataStream.from(numbers)
            .name('numbers')
            .sinkTo(new RedisStreamSink<number>({ connection: url, stream: out, writer: 'w' }))
            .name('redis'),
        },
        {
          ...(restore === undefined ? {} : { restore }),
          checkpoints: { storage, interval: { records: 10 } },
        },
      );
      const started = job;
      started.start();
      await started.done;
      job = undefined;
      return started;
    };
    const everyNumber = Array.from({ length: n }, (_, i) => i);
    await run();
    // the first run committed checkpoints 1 to 5, one per batch, and a last, empty one
    expect(saved.map((c) => [c.id, c.sources])).toEqual(
      [10, 20, 30, 40, 50, 50].map((p, i) => [i + 1, { numbers: p }]),
    );
    expect(await client.hget(`${out}:committed`, 'w')).toBe('6');
    expect(await streamValues<number>(client, out)).toEqual(everyNumber);
    // restored from checkpoint 1 (the newer ones lost, say): checkpoints 2 to 5 are cut again,
    // with the same records, and are already in the stream
    const again = await run(saved[0]!);
    expect(again.restoredFrom).toBe(1);
    expect(saved.slice(6).map((c) => [c.id, c.sources])).toEqual(
      [20, 30, 40, 50, 50].map((p, i) => [i + 2, { numbers: p }]),
    );
    expect(await streamValues<number>(client, out)).toEqual(everyNumber);
    expect(await client.keys(`${out}:txn:*`)).toEqual([]);
  });

  it('a checkpoint fenced by a lease is refused once the lease is someone else’s', async () => {
    const lease = name('lease');
    await client.set(lease, 'me');
    const storage = new RedisCheckpointStorage({
      connection: client,
      prefix: name('fenced'),
      fence: { key: lease, token: 'me' },
      retain: 2,
    });
    const cp = (id: number): Checkpoint => ({
      version: 1,
      id,
      takenAt: id,
      finished: false,
      operators: {},
      sources: { s: { 0: `${id}-0` } },
      sinks: {},
      metrics: {},
    });
    for (const id of [1, 2, 3]) await storage.save(cp(id));
    expect((await storage.latest())?.id).toBe(3);
    // retain 2: the first one is gone
    expect(await client.exists(`${storage['options'].prefix}:cp:1`)).toBe(0);
    await client.set(lease, 'someone else');
    await expect(storage.save(cp(4))).rejects.toBeInstanceOf(LeaseLostError);
    expect((await storage.latest())?.id).toBe(3);
  });
});

describe('through a Redis restart', () => {
  it('a job writing to a RedisStreamSink with checkpoints in Redis, Redis restarted twice mid-run: each record once', async () => {
    const server = await startRedis();
    try {
      const n = 3000;
      // a slow in-memory source: only the sink and the checkpoints talk to Redis
      const source = {
        open(position?: unknown) {
          let i = typeof position === 'number' ? position : 0;
          return {
            read: () =>
              i >= n
                ? null
                : new Promise<number[]>((resolve) =>
                    setTimeout(() => {
                      const batch = Array.from({ length: Math.min(25, n - i) }, (_, k) => i + k);
                      i += batch.length;
                      resolve(batch);
                    }, 2),
                  ),
            position: () => i,
          };
        },
      };
      const storage = new RedisCheckpointStorage({ connection: server.url, prefix: 'restart-cp' });
      const job = connect(
        {
          out: DataStream.from(source)
            .sinkTo(
              new RedisStreamSink<number>({ connection: server.url, stream: 'restart-out', writer: 'w' }),
            )
            .name('redis'),
        },
        { checkpoints: { storage, interval: { ms: 30 } } },
      );
      job.start();
      await new Promise((r) => setTimeout(r, 150));
      await server.restart();
      await new Promise((r) => setTimeout(r, 150));
      await server.restart();
      await job.done;
      await storage.close();
      expect(job.checkpoints.completed).toBeGreaterThan(3);
      const c = await openRedis(server.url);
      const got = await streamValues<number>(c, 'restart-out');
      c.disconnect();
      expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('connections', () => {
  it('a wrong password is a clear error at once, not a hang', async () => {
    const wrong = url.replace(/\/\/:[^@]*@/, '//:wrong@');
    const started = performance.now();
    const err = await openRedis(wrong).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisConnectionError);
    expect(String((err as Error).message)).toMatch(/refused the credentials .*WRONGPASS/);
    expect((err as Error).message).not.toContain(new URL(url).password);
    expect(performance.now() - started).toBeLessThan(5000);
    // a source with the wrong password fails its job with that error
    await expect(
      DataStream.from(new RedisStreamSource({ connection: wrong, stream: 'x', partitions: [0] })).collect(),
    ).rejects.toThrow(/refused the credentials/);
  });

  it('no password at all is refused by the server (requirepass)', async () => {
    const u = new URL(url);
    await expect(openRedis(`redis://127.0.0.1:${u.port}`).then((c) => c.ping())).rejects.toThrow(
      /NOAUTH|credentials/,
    );
  });

  it('an unreachable server is a clear error', async () => {
    await expect(openRedis('redis://:pw@127.0.0.1:1', { attempts: 2 })).rejects.toThrow(
      /could not connect to Redis at 127\.0\.0\.1:1/,
    );
  });

  it('Redis restarted mid-run (append-only file on): the job reconnects and reads every entry once', async () => {
    const server = await startRedis();
    try {
      const stream = 'restart';
      const pub = await RedisStreamPublisher.open<Row>({
        connection: server.url,
        stream,
        partitions: 2,
        key: (r) => r.key,
      });
      const input = rows(3000);
      await pub.publish(input.slice(0, 1000));
      const seen: number[] = [];
      const job = connect({
        out: decode(
          DataStream.from(
            new RedisStreamSource({
              connection: server.url,
              stream,
              follow: true,
              blockMs: 50,
              batchSize: 100,
            }),
          ),
        ),
      });
      job.outputs.out.subscribe((r) => seen.push(r.v));
      job.start();
      await new Promise((r) => setTimeout(r, 100));
      await server.restart();
      await pub.publish(input.slice(1000, 2000));
      await server.restart();
      await pub.publish(input.slice(2000));
      await pub.end();
      await job.done;
      await pub.close();
      expect(seen.sort((a, b) => a - b)).toEqual(input.map((r) => r.v));
    } finally {
      await server.stop();
    }
  });
});

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('PartitionLeases', () => {
  it('a lease acquired again has a new token: work fenced by the old one can no longer store checkpoints', async () => {
    const group = name('fence');
    const lost: number[][] = [];
    const leases = new PartitionLeases(
      { connection: url, group, partitions: 1, member: 'm', leaseMs: 400, renewMs: 100 },
      {
        onPartitionsAssigned: () => {},
        onPartitionsRevoked: () => {},
        onPartitionsLost: (ps) => void lost.push([...ps]),
      },
    );
    await leases.start();
    const first = leases.fence(0);
    // the lease lapses behind the member's back (a long pause); it notices, and takes it again
    await client.del(first.key);
    await until(() => lost.length === 1 && leases.partitions.length === 1);
    const second = leases.fence(0);
    expect(second.token).not.toBe(first.token);
    expect(second.token.startsWith('m/')).toBe(true);
    const stale = new RedisCheckpointStorage({ connection: client, prefix: name('stale'), fence: first });
    const cp: Checkpoint = {
      version: 1,
      id: 1,
      takenAt: 0,
      finished: false,
      operators: {},
      sources: {},
      sinks: {},
      metrics: {},
    };
    await expect(stale.save(cp)).rejects.toBeInstanceOf(LeaseLostError);
    await new RedisCheckpointStorage({ connection: client, prefix: name('fresh'), fence: second }).save(cp);
    await leases.close();
    expect(await client.exists(second.key)).toBe(0);
  });

  it('members split the partitions evenly, rebalance when one joins or leaves, and take over a dead one’s', async () => {
    const group = name('group');
    const log: string[] = [];
    const member = (id: string) => {
      const held = new Set<number>();
      const leases = new PartitionLeases(
        { connection: url, group, partitions: 8, member: id, leaseMs: 600, renewMs: 100 },
        {
          onPartitionsAssigned: (ps) => {
            for (const p of ps) held.add(p);
            log.push(`${id}+${ps}`);
          },
          onPartitionsRevoked: (ps) => {
            for (const p of ps) held.delete(p);
            log.push(`${id}-${ps}`);
          },
          onPartitionsLost: (ps) => {
            for (const p of ps) held.delete(p);
            log.push(`${id}!${ps}`);
          },
        },
      );
      return { leases, held };
    };
    const a = member('a');
    await a.leases.start();
    expect([...a.held].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const b = member('b');
    await b.leases.start();
    await until(() => a.held.size === 4 && b.held.size === 4);
    // never both at once
    for (const p of a.held) expect(b.held.has(p)).toBe(false);
    const c = member('c');
    await c.leases.start();
    await until(() => a.held.size + b.held.size + c.held.size === 8 && c.held.size >= 2 && a.held.size <= 3);
    // c leaves cleanly: its partitions are revoked (checkpoint) and go back
    await c.leases.close();
    await until(() => a.held.size === 4 && b.held.size === 4);
    // b dies: its leases lapse (600 ms), a takes everything over
    const died = Date.now();
    b.leases['closed'] = true;
    clearTimeout(b.leases['timer']);
    b.leases['client']!.disconnect();
    await until(() => a.held.size === 8);
    const tookOver = Date.now() - died;
    expect(tookOver).toBeGreaterThanOrEqual(400);
    expect(tookOver).toBeLessThan(3000);
    await a.leases.close();
    expect(log.some((l) => l.startsWith('c-'))).toBe(true);
  });
});
