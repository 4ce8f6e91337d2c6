import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  type CheckpointInfo,
  type CheckpointStorage,
  connect,
  DataStream,
  InMemoryCheckpointStorage,
  type Source,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '../../src/index';
import { FileSink, type FileTransaction } from '../../src/node/index';

// The FileSink's two promises, checked on the file itself: a reader of the target sees only the
// lines of completed checkpoints, and a recovery leaves exactly what the restored checkpoint
// committed, whatever a crashed run left beyond it.

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `eventide-file-sink-${name}-`));
const HEADER = 'n\n';
const lines = (values: readonly number[]) => values.map((v) => `${v}\n`).join('');
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const sinkAt = (path: string) => new FileSink<number>(path, { format: lines, header: HEADER });

/** Two checkpoints' transactions committed in turn: the file holds the header, then a, then b. */
function twoCommitted(path: string, a: readonly number[], b: readonly number[]) {
  const sink = sinkAt(path);
  sink.recover(undefined);
  const t1 = sink.begin(1);
  sink.write(t1, a);
  const p1 = sink.preCommit(t1);
  sink.commit(p1);
  const t2 = sink.begin(2);
  sink.write(t2, b);
  const p2 = sink.preCommit(t2);
  sink.commit(p2);
  expect(readFileSync(path, 'utf8')).toBe(HEADER + lines(a) + lines(b));
  return { p1, p2 };
}

describe('FileSink: readers see committed lines only', () => {
  it('written, flushed and pre-committed lines stay out of the target until their commit', () => {
    const path = join(tmp('visible'), 'out.csv');
    const sink = sinkAt(path);
    sink.recover(undefined);
    expect(readFileSync(path, 'utf8')).toBe(HEADER);

    const t1 = sink.begin(1);
    sink.write(t1, range(0, 10));
    expect(readFileSync(path, 'utf8'), 'after a write').toBe(HEADER);
    // more than the sink buffers (1 MiB): this write goes to disk before any checkpoint
    const big = range(0, 200_000);
    expect(Buffer.byteLength(lines(big))).toBeGreaterThan(1 << 20);
    sink.write(t1, big);
    expect(readFileSync(path, 'utf8'), 'after a write flushed to disk').toBe(HEADER);
    const p1 = sink.preCommit(t1);
    expect(p1).toEqual({
      part: '.out.csv.1.part',
      offset: HEADER.length,
      length: Buffer.byteLength(lines([...range(0, 10), ...big])),
    });
    expect(readFileSync(path, 'utf8'), 'pre-committed, checkpoint not complete').toBe(HEADER);

    // the next checkpoint's lines are written while the first is still being made durable
    const t2 = sink.begin(2);
    sink.write(t2, [7, 8, 9]);
    expect(readFileSync(path, 'utf8')).toBe(HEADER);

    sink.commit(p1);
    const first = HEADER + lines([...range(0, 10), ...big]);
    expect(readFileSync(path, 'utf8'), 'checkpoint 1 complete').toBe(first);

    const p2 = sink.preCommit(t2);
    expect(readFileSync(path, 'utf8'), 'checkpoint 2 pre-committed').toBe(first);
    sink.commit(p2);
    expect(readFileSync(path, 'utf8')).toBe(`${first}7\n8\n9\n`);
    expect(readdirSync(join(path, '..')).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('a reader during a checkpointed run never sees lines beyond the last durable checkpoint', async () => {
    interface Row {
      readonly key: string;
      readonly t: number;
      readonly v: number;
    }
    const n = 400;
    const format = (rows: readonly Row[]) => rows.map((r) => `${r.key},${r.t},${r.v}\n`).join('');
    const dir = tmp('reader');
    const out = join(dir, 'out.csv');
    // what `out` holds after the run: windowed sums, in emission order
    const observed: string[] = [];
    /** End of the target once the latest durable checkpoint is committed. */
    let durableEnd = Buffer.byteLength('key,t,v\n');
    const inner = new InMemoryCheckpointStorage();
    // saving takes a while, as on a disk: the sources read on, and the reader looks, meanwhile
    const storage: CheckpointStorage = {
      async save(c: Checkpoint): Promise<CheckpointInfo> {
        await new Promise((r) => setTimeout(r, 3));
        const info = await inner.save(c);
        const last = (c.sinks.file ?? []).at(-1) as FileTransaction | undefined;
        if (last !== undefined) durableEnd = last.offset + last.length;
        return info;
      },
      latest: () => inner.latest(),
    };
    const source: Source<Row> = {
      open(position) {
        let i = typeof position === 'number' ? position : 0;
        return {
          read() {
            observed.push(`${durableEnd}\t${readFileSync(out, 'utf8')}`);
            if (i >= n) return null;
            const batch: Row[] = [];
            for (const end = Math.min(n, i + 5); i < end; i++)
              batch.push({ key: `k${i % 3}`, t: i * 10, v: i });
            // a batch a millisecond, so that checkpoints overlap the reading
            return new Promise<Row[]>((r) => setTimeout(() => r(batch), 1));
          },
          position: () => i,
        };
      },
    };
    const job = connect(
      {
        out: DataStream.from(source)
          .assignTimestampsAndWatermarks(
            WatermarkStrategy.forBoundedOutOfOrderness<Row>(0).withTimestampAssigner((r) => r.t),
          )
          .name('ts')
          .keyBy((r) => r.key)
          .window(TumblingEventTimeWindows.of(50))
          .reduce((a, b) => ({ ...a, v: a.v + b.v }))
          .name('sums')
          .sinkTo(new FileSink(out, { format, header: 'key,t,v\n' }))
          .name('file'),
      },
      { checkpoints: { storage, interval: { records: 40 } } },
    );
    job.start();
    await job.done;
    expect(job.checkpoints.completed).toBeGreaterThan(5);
    const final = readFileSync(out, 'utf8');
    let grew = 0;
    for (const o of observed) {
      const [end, text] = o.split('\t') as [string, string];
      // whole lines of the final file, and no more than the durable checkpoints committed
      expect(final.startsWith(text)).toBe(true);
      expect(text.endsWith('\n')).toBe(true);
      expect(Buffer.byteLength(text), `read while ${end} bytes were durable`).toBeLessThanOrEqual(
        Number(end),
      );
      if (text.length > 'key,t,v\n'.length) grew++;
    }
    // the reader did look while lines were arriving
    expect(grew).toBeGreaterThan(5);
  });
});

describe('FileSink.recover', () => {
  it('cuts the file back to what the restored checkpoint committed: a later checkpoint’s lines go', () => {
    const path = join(tmp('older'), 'out.csv');
    const { p1 } = twoCommitted(path, range(0, 50), range(50, 120));
    // the run crashed before checkpoint 2 was durable: its lines are written again by the next run
    sinkAt(path).recover([p1]);
    expect(readFileSync(path, 'utf8')).toBe(HEADER + lines(range(0, 50)));
  });

  it('cuts off torn bytes beyond the committed length', () => {
    const dir = tmp('torn');
    const path = join(dir, 'out.csv');
    const { p1, p2 } = twoCommitted(path, [1, 2, 3], [4, 5, 6]);
    appendFileSync(path, '77\n7');
    sinkAt(path).recover([p1, p2]);
    expect(readFileSync(path, 'utf8')).toBe(`${HEADER}1\n2\n3\n4\n5\n6\n`);
    appendFileSync(path, 'x'.repeat(5000));
    sinkAt(path).recover([p1]);
    expect(readFileSync(path, 'utf8')).toBe(`${HEADER}1\n2\n3\n`);
    expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('finishes a commit cut short, and drops what an unfinished checkpoint wrote after it', () => {
    const dir = tmp('cut-short');
    const path = join(dir, 'out.csv');
    const sink = sinkAt(path);
    sink.recover(undefined);
    const t1 = sink.begin(1);
    sink.write(t1, [1, 2, 3]);
    const p1 = sink.preCommit(t1);
    // the crash came while committing checkpoint 1: its lines half there, bytes beyond them
    appendFileSync(path, '1\n2\n3\n4\n5');
    const t2 = sink.begin(2);
    sink.write(t2, [4, 5]);
    sink.preCommit(t2);
    sinkAt(path).recover([p1]);
    expect(readFileSync(path, 'utf8')).toBe(`${HEADER}1\n2\n3\n`);
    expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
  });
});
