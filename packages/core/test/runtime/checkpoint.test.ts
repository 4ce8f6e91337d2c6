import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  CheckpointError,
  type CheckpointStorage,
  connect,
  DataStream,
  decodeCheckpoint,
  encodeCheckpoint,
  InMemoryCheckpointStorage,
  type Source,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '../../src/index';
import { FileCheckpointStorage, FileSink } from '../../src/node/index';

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `eventide-${name}-`));

interface Row {
  readonly key: string;
  readonly t: number;
  readonly v: number;
}

/** Rows 0..n-1 over three keys, one per 10 ms; throws once `failAt` rows have been read. */
function rows(n: number, failAt = Number.POSITIVE_INFINITY): Source<Row> {
  return {
    open(position) {
      let i = typeof position === 'number' ? position : 0;
      return {
        read() {
          if (i >= failAt) throw new Error('simulated crash');
          if (i >= n) return null;
          const batch: Row[] = [];
          for (const end = Math.min(n, i + 7); i < end; i++)
            batch.push({ key: `k${i % 3}`, t: i * 10, v: i });
          return batch;
        },
        position: () => i,
      };
    },
  };
}

function windowed(source: Source<Row>, size = 100) {
  return DataStream.from(source)
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forBoundedOutOfOrderness<Row>(0).withTimestampAssigner((r) => r.t),
    )
    .name('ts')
    .keyBy((r) => r.key)
    .window(TumblingEventTimeWindows.of(size))
    .reduce((a, b) => ({ ...a, v: a.v + b.v }))
    .name('sums');
}

const line = (values: readonly Row[]) => values.map((r) => `${r.key},${r.t},${r.v}\n`).join('');

async function runToFile(source: Source<Row>, path: string, storage?: CheckpointStorage, size = 100) {
  const job = connect(
    {
      out: windowed(source, size)
        .sinkTo(new FileSink(path, { format: line, header: 'key,t,v\n' }))
        .name('file'),
    },
    storage ? { checkpoints: { storage, interval: { records: 50 } } } : {},
  );
  job.start();
  await job.done;
  return job;
}

describe('checkpoint encoding', () => {
  it('keeps non-finite numbers exactly (JSON cannot)', () => {
    const plain = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.double(),
        fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN),
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(
          fc.string().filter((k) => k !== '$number' && k !== '__proto__'),
          tie('value'),
          { maxKeys: 4 },
        ),
      ),
    })).value;
    fc.assert(
      fc.property(plain, (state) => {
        const c: Checkpoint = {
          version: 1,
          id: 1,
          takenAt: 0,
          finished: false,
          operators: { op: { kind: 'x', config: undefined, state } },
          sources: {},
          sinks: {},
          metrics: {},
        };
        // -0 reads back as 0 (JSON); every other value, non-finite numbers included, survives
        expect(decodeCheckpoint(encodeCheckpoint(c)).operators.op!.state).toEqual(normalise(state));
      }),
    );
  });

  it('refuses an unknown version', () => {
    expect(() => decodeCheckpoint('{"version":2,"id":1}')).toThrow(/unknown version 2/);
  });
});

/** What survives JSON besides the non-finite numbers: -0 reads back as 0. */
function normalise(v: unknown): unknown {
  if (typeof v === 'number') return Object.is(v, -0) ? 0 : v;
  if (Array.isArray(v)) return v.map(normalise);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return v;
}

describe('recovery with FileSink and checkpoints', () => {
  it('a crashed run resumed from its checkpoint writes exactly the lines of an uninterrupted run', async () => {
    for (const failAt of [1, 64, 133, 299]) {
      const dir = tmp('recover');
      await runToFile(rows(300), join(dir, 'ref.csv'));
      const storage = new InMemoryCheckpointStorage();
      const out = join(dir, 'out.csv');
      await expect(runToFile(rows(300, failAt), out, storage).then((j) => j.done)).rejects.toThrow(
        'simulated crash',
      );
      const job = await runToFile(rows(300), out, storage);
      expect(readFileSync(out, 'utf8'), `crash after ${failAt} rows`).toBe(
        readFileSync(join(dir, 'ref.csv'), 'utf8'),
      );
      if (failAt > 50) expect(job.restoredFrom).toBeGreaterThan(0);
      // no part files are left behind
      expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
    }
  });

  it('an operator that fails mid-batch takes no checkpoint of that batch: the resumed run loses nothing', async () => {
    // the failing batch is the one a checkpoint falls due after (records: 50, batches of 7)
    for (const failAt of [49, 50, 51, 52, 120]) {
      const dir = tmp('operator-crash');
      await runToFile(rows(300), join(dir, 'ref.csv'));
      const storage = new InMemoryCheckpointStorage();
      const out = join(dir, 'out.csv');
      let seen = 0;
      const crashing: Source<Row> = {
        open(position) {
          const reader = rows(300).open(position);
          return {
            read() {
              const batch = reader.read() as Row[] | null;
              return (
                batch?.map((r) => {
                  if (++seen === failAt) return { ...r, key: undefined as unknown as string };
                  return r;
                }) ?? null
              );
            },
            position: reader.position,
          };
        },
      };
      await expect(runToFile(crashing, out, storage).then((j) => j.done)).rejects.toThrow(/key selector/);
      await runToFile(rows(300), out, storage);
      expect(readFileSync(out, 'utf8'), `operator failing at row ${failAt}`).toBe(
        readFileSync(join(dir, 'ref.csv'), 'utf8'),
      );
    }
  });

  it('lines become visible only when their checkpoint completes', async () => {
    const dir = tmp('visible');
    await runToFile(rows(300), join(dir, 'ref.csv'));
    const reference = readFileSync(join(dir, 'ref.csv'), 'utf8');
    const out = join(dir, 'out.csv');
    const storage = new InMemoryCheckpointStorage();
    await expect(runToFile(rows(300, 120), out, storage)).rejects.toThrow();
    // after the crash the file holds what the last checkpoint committed: a strict prefix
    const committed = readFileSync(out, 'utf8');
    expect(reference.startsWith(committed)).toBe(true);
    expect(committed.length).toBeLessThan(reference.length);
    expect(committed.startsWith('key,t,v\n')).toBe(true);
    expect((await storage.latest())?.sinks.file).toHaveLength(1);
  });

  it('a transaction whose commit failed stays in the later checkpoints until it is committed', async () => {
    // n = 1 with a checkpoint after every record: the first checkpoint's commit fails, and the
    // final checkpoint of the bounded input is taken after it; restoring that one must still
    // commit the first transaction.
    const committed: number[][] = [];
    let failFirst = true;
    const sink = {
      twoPhaseCommit: true as const,
      recover: (pending: readonly number[][] | undefined) => {
        // commit is idempotent: a transaction committed before is recognised
        for (const p of pending ?? []) if (!committed.some((c) => c.join() === p.join())) committed.push(p);
      },
      begin: () => [] as number[],
      write: (txn: number[], values: readonly Row[]) => {
        for (const r of values) txn.push(r.v);
      },
      preCommit: (txn: number[]) => txn,
      commit: (p: number[]) => {
        if (failFirst && p.length > 0) {
          failFirst = false;
          throw new Error('commit failed');
        }
        committed.push(p);
      },
      abort: () => undefined,
    };
    const storage = new InMemoryCheckpointStorage();
    const run = () => {
      const job = connect(
        { out: DataStream.from(rows(1)).sinkTo(sink).name('sink') },
        { checkpoints: { storage, interval: { records: 1 } } },
      );
      job.start();
      return job.done;
    };
    // the failure fails the job, though the final checkpoint committed the transaction after all
    await expect(run()).rejects.toThrow('commit failed');
    const latest = await storage.latest();
    expect(latest?.finished).toBe(true);
    expect(latest?.sinks.sink).toEqual([[0], []]); // the failed one, then the final one
    expect(committed.flat()).toEqual([0]);
    await run();
    expect(committed.flat()).toEqual([0]);
  });
});

describe('restore validation (before anything runs)', () => {
  async function checkpointOf(size = 100): Promise<InMemoryCheckpointStorage> {
    const storage = new InMemoryCheckpointStorage();
    const job = connect(
      { out: windowed(rows(1000), size) },
      { checkpoints: { storage, interval: { records: 100 } } },
    );
    job.start();
    await new Promise((r) => setTimeout(r, 0));
    await job.stop({ checkpoint: true });
    return storage;
  }
  const start = (stream: ReturnType<typeof windowed>, storage: CheckpointStorage, dropState?: string[]) => {
    const job = connect({ out: stream }, { checkpoints: { storage, dropState } });
    job.start();
    return job.done;
  };

  it('refuses a different window size, naming the operator', async () => {
    const storage = await checkpointOf(100);
    await expect(start(windowed(rows(10), 200), storage)).rejects.toThrow(
      /operator "sums" changed its configuration.*"size":100.*"size":200/,
    );
  });

  it('refuses state of an operator the pipeline lacks, unless dropped', async () => {
    const storage = await checkpointOf();
    const other = DataStream.from(rows(10))
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forMonotonousTimestamps<Row>().withTimestampAssigner((r) => r.t),
      )
      .name('ts');
    await expect(start(other as never, storage)).rejects.toThrow(/operator "sums".*does not have/);
    await expect(start(other as never, storage, ['sums'])).resolves.toBeUndefined();
  });

  it('refuses a pipeline with a stateful operator the checkpoint lacks', async () => {
    const storage = await checkpointOf();
    const more = windowed(rows(10))
      .keyBy((r) => r.key)
      .window(TumblingEventTimeWindows.of(1000))
      .reduce((a) => a)
      .name('extra');
    await expect(start(more, storage)).rejects.toThrow(/operator "extra" \(window\) has no state/);
  });

  it('refuses state of the wrong shape and an unknown version', async () => {
    const storage = await checkpointOf();
    const latest = (await storage.latest())!;
    const broken: Checkpoint = {
      ...latest,
      operators: { ...latest.operators, sums: { ...latest.operators.sums!, state: { watermark: 3 } } },
    };
    const job = connect({ out: windowed(rows(10)) }, { restore: broken });
    job.start();
    await expect(job.done).rejects.toThrow(
      /operator "sums" \(window\): its state has the wrong shape: field "windows"/,
    );
    const future = { ...latest, version: 7 } as unknown as Checkpoint;
    const job2 = connect({ out: windowed(rows(10)) }, { restore: future });
    job2.start();
    await expect(job2.done).rejects.toBeInstanceOf(CheckpointError);
  });

  it('refuses checkpoints over a source without positions', () => {
    const job = connect(
      { out: DataStream.from({ open: () => ({ read: () => null }) }) },
      { checkpoints: { storage: new InMemoryCheckpointStorage() } },
    );
    job.start();
    return expect(job.done).rejects.toThrow(/source "source-1" does not/);
  });
});

describe('FileCheckpointStorage', () => {
  const checkpoint = (id: number): Checkpoint => ({
    version: 1,
    id,
    takenAt: id,
    finished: false,
    operators: { w: { kind: 'window', config: null, state: { watermark: Number.NEGATIVE_INFINITY, n: id } } },
    sources: { s: id * 10 },
    sinks: {},
    metrics: {},
  });

  it('keeps the last few and reads the newest back exactly', async () => {
    const dir = tmp('storage');
    const storage = new FileCheckpointStorage(dir, { retain: 2 });
    for (let id = 1; id <= 4; id++) await storage.save(checkpoint(id));
    expect(readdirSync(dir).sort()).toEqual(['checkpoint-0000000003.json', 'checkpoint-0000000004.json']);
    expect(await storage.latest()).toEqual(checkpoint(4));
  });

  it('skips a torn or corrupt newest file with a warning, in favour of the previous one', async () => {
    const dir = tmp('torn');
    const warnings: string[] = [];
    const storage = new FileCheckpointStorage(dir, { warn: (m) => warnings.push(m) });
    await storage.save(checkpoint(1));
    await storage.save(checkpoint(2));
    const newest = join(dir, 'checkpoint-0000000002.json');
    const size = readFileSync(newest).length;
    truncateSync(newest, size - 5);
    expect(await storage.latest()).toEqual(checkpoint(1));
    expect(warnings[0]).toMatch(/checkpoint-0000000002.json.*torn/);
    const text = readFileSync(join(dir, 'checkpoint-0000000001.json'), 'utf8');
    writeFileSync(join(dir, 'checkpoint-0000000001.json'), text.replace('"n":1', '"n":9'));
    expect(await storage.latest()).toBeUndefined();
    expect(warnings[2]).toMatch(/checksum/);
  });
});
