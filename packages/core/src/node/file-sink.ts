import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { TwoPhaseCommitSink } from '../connectors';
import { IllegalArgumentError } from '../errors';
import { fsyncDir, writeFileAtomic } from './fsync';

/** How a `FileSink` turns values into text, and the header of a fresh file. */
export interface FileSinkOptions<T> {
  /** Turns a batch of values into text (e.g. CSV or NDJSON lines, each ending in a newline). */
  readonly format: (values: readonly T[]) => string;
  /** Written once at the top of a fresh file (a CSV header line). */
  readonly header?: string;
}

/** A transaction of a `FileSink` as a checkpoint stores it. */
export type FileTransaction = {
  /** The part file, in the target's directory. */
  readonly part: string;
  /** Where its bytes go in the target file, and how many. */
  readonly offset: number;
  readonly length: number;
};

interface OpenTransaction {
  readonly part: string;
  fd: number | undefined;
  buffer: string[];
  buffered: number;
  size: number;
}

const FLUSH_AT = 1 << 20;

/**
 * An exactly-once file (Flink's `FileSink` with a two-phase commit). Each checkpoint's lines go
 * to a hidden part file beside the target (`.name.<checkpoint>.part`); when the checkpoint is
 * durable the part is written into the target at the offset recorded in the checkpoint, and
 * deleted. Readers of the target see only committed lines. After a crash, the restored
 * checkpoint's parts are committed again (writing the same bytes at the same offset is
 * idempotent), the target is cut back to the end of what that checkpoint committed, and stray
 * parts are deleted: the file ends up with exactly the lines of an uninterrupted run.
 *
 * Guarantee: exactly-once, for one job writing the file. A job that ends without a checkpoint
 * (stopped, failed) discards its open part.
 *
 * @example
 * const csv = (rows: readonly Total[]) => rows.map((r) => `${r.area},${r.kWh}\n`).join('');
 * totals.sinkTo(new FileSink('out/totals.csv', { format: csv, header: 'area,kWh\n' }));
 */
export class FileSink<T> implements TwoPhaseCommitSink<T, OpenTransaction, FileTransaction> {
  readonly twoPhaseCommit = true;
  private readonly dir: string;
  private readonly base: string;
  /** End of the target file once every pre-committed transaction is committed. */
  private end = 0;

  constructor(
    readonly path: string,
    private readonly options: FileSinkOptions<T>,
  ) {
    if (typeof options?.format !== 'function') {
      throw new IllegalArgumentError('FileSink: options.format must be a function turning values into text');
    }
    this.dir = dirname(path);
    this.base = basename(path);
  }

  recover(pending: readonly FileTransaction[] | undefined): void {
    mkdirSync(this.dir, { recursive: true });
    const keep = new Set((pending ?? []).map((p) => p.part));
    for (const f of readdirSync(this.dir)) {
      if (f.startsWith(`.${this.base}.`) && f.endsWith('.part') && !keep.has(f))
        unlinkSync(join(this.dir, f));
    }
    if (pending === undefined || pending.length === 0) {
      const header = this.options.header ?? '';
      writeFileAtomic(this.path, header);
      this.end = Buffer.byteLength(header);
      return;
    }
    for (const p of pending) this.commit(p);
    const last = pending[pending.length - 1]!;
    this.end = last.offset + last.length;
    // Lines a later, unfinished checkpoint may have committed are written again by this run.
    const fd = openSync(this.path, 'r+');
    try {
      if (fstatSync(fd).size > this.end) {
        ftruncateSync(fd, this.end);
        fsyncSync(fd);
      }
    } finally {
      closeSync(fd);
    }
  }

  begin(checkpointId: number): OpenTransaction {
    return { part: `.${this.base}.${checkpointId}.part`, fd: undefined, buffer: [], buffered: 0, size: 0 };
  }

  write(txn: OpenTransaction, values: readonly T[]): void {
    const text = this.options.format(values);
    if (text.length === 0) return;
    txn.buffer.push(text);
    txn.buffered += text.length;
    if (txn.buffered >= FLUSH_AT) this.flush(txn);
  }

  preCommit(txn: OpenTransaction): FileTransaction {
    this.flush(txn);
    if (txn.fd !== undefined) {
      fsyncSync(txn.fd);
      closeSync(txn.fd);
      txn.fd = undefined;
      fsyncDir(this.dir);
    }
    const pending = { part: txn.part, offset: this.end, length: txn.size };
    this.end += txn.size;
    return pending;
  }

  commit(p: FileTransaction): void {
    if (p.length === 0) return;
    const partPath = join(this.dir, p.part);
    const fd = openSync(this.path, 'r+');
    try {
      if (!existsSync(partPath)) {
        if (fstatSync(fd).size >= p.offset + p.length) return; // committed before a crash
        throw new Error(`FileSink ${this.path}: part ${p.part} of a pending checkpoint is missing`);
      }
      const part = openSync(partPath, 'r');
      try {
        const chunk = Buffer.allocUnsafe(Math.min(p.length, FLUSH_AT));
        let done = 0;
        while (done < p.length) {
          const n = readSync(part, chunk, 0, Math.min(chunk.length, p.length - done), done);
          if (n === 0) throw new Error(`FileSink ${this.path}: part ${p.part} is shorter than recorded`);
          writeSync(fd, chunk, 0, n, p.offset + done);
          done += n;
        }
      } finally {
        closeSync(part);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(partPath);
  }

  abort(txn: OpenTransaction): void {
    if (txn.fd !== undefined) {
      closeSync(txn.fd);
      txn.fd = undefined;
    }
    const partPath = join(this.dir, txn.part);
    if (existsSync(partPath)) unlinkSync(partPath);
  }

  private flush(txn: OpenTransaction): void {
    if (txn.buffered === 0) return;
    const data = Buffer.from(txn.buffer.join(''), 'utf8');
    txn.buffer = [];
    txn.buffered = 0;
    txn.fd ??= openSync(join(this.dir, txn.part), 'w');
    writeSync(txn.fd, data);
    txn.size += data.length;
  }
}
