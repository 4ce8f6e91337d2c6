import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { IllegalArgumentError } from '../errors';
import {
  type Checkpoint,
  type CheckpointInfo,
  type CheckpointStorage,
  decodeCheckpoint,
  encodeCheckpoint,
} from '../runtime/checkpoint';
import { writeFileAtomic } from './fsync';

/** How many checkpoints a `FileCheckpointStorage` keeps, and where it reports a skipped one. */
export interface FileCheckpointStorageOptions {
  /** Complete checkpoints kept (default 3); older ones are deleted after a newer one is durable. */
  readonly retain?: number;
  /** Where warnings go (a skipped torn or corrupt file); default `console.warn`. */
  readonly warn?: (message: string) => void;
}

const NAME = /^checkpoint-(\d{10})\.json$/;
const MAGIC = 'eventide-checkpoint';

/**
 * Checkpoints as files in a directory, one per checkpoint (`checkpoint-0000000042.json`). Each is
 * written atomically (temporary file, fsync, rename, fsync of the directory) and starts with a
 * line holding the SHA-256 and length of the body, so a torn or corrupt file is recognised:
 * `latest()` skips it with a warning in favour of the previous complete checkpoint.
 *
 * @example
 * const job = connect(outputs, {
 *   checkpoints: { storage: new FileCheckpointStorage('state/metering'), interval: { ms: 10_000 } },
 * });
 */
export class FileCheckpointStorage implements CheckpointStorage {
  private readonly retain: number;
  private readonly warn: (message: string) => void;

  constructor(
    readonly dir: string,
    options: FileCheckpointStorageOptions = {},
  ) {
    this.retain = options.retain ?? 3;
    if (!(Number.isInteger(this.retain) && this.retain > 0)) {
      throw new IllegalArgumentError(
        `FileCheckpointStorage: retain must be a positive integer, got ${options.retain}`,
      );
    }
    this.warn = options.warn ?? ((m) => console.warn(m));
    mkdirSync(dir, { recursive: true });
  }

  async save(checkpoint: Checkpoint): Promise<CheckpointInfo> {
    const body = encodeCheckpoint(checkpoint);
    const bytes = Buffer.from(body, 'utf8');
    const header = `${MAGIC} ${createHash('sha256').update(bytes).digest('hex')} ${bytes.length}\n`;
    writeFileAtomic(join(this.dir, fileName(checkpoint.id)), Buffer.concat([Buffer.from(header), bytes]));
    const ids = this.ids();
    for (const old of ids.slice(this.retain)) {
      try {
        unlinkSync(join(this.dir, fileName(old)));
      } catch {
        // already gone
      }
    }
    return { id: checkpoint.id, size: header.length + bytes.length };
  }

  async latest(): Promise<Checkpoint | undefined> {
    for (const id of this.ids()) {
      const path = join(this.dir, fileName(id));
      try {
        return read(path);
      } catch (err) {
        this.warn(
          `FileCheckpointStorage: skipping ${path}: ${err instanceof Error ? err.message : String(err)}; trying the previous checkpoint`,
        );
      }
    }
    return undefined;
  }

  /** Checkpoint ids on disk, newest first. */
  ids(): number[] {
    const ids: number[] = [];
    for (const f of readdirSync(this.dir)) {
      const m = NAME.exec(f);
      if (m) ids.push(Number(m[1]));
    }
    return ids.sort((a, b) => b - a);
  }
}

function fileName(id: number): string {
  return `checkpoint-${String(id).padStart(10, '0')}.json`;
}

function read(path: string): Checkpoint {
  const data = readFileSync(path);
  const nl = data.indexOf(10);
  if (nl < 0) throw new Error('no header line (a torn write?)');
  const [magic, hash, length] = data.subarray(0, nl).toString('utf8').split(' ');
  if (magic !== MAGIC) throw new Error('not an eventide checkpoint');
  const body = data.subarray(nl + 1);
  if (body.length !== Number(length))
    throw new Error(`${body.length} bytes where the header says ${length} (a torn write?)`);
  if (createHash('sha256').update(body).digest('hex') !== hash)
    throw new Error('checksum mismatch (corrupt)');
  return decodeCheckpoint(body.toString('utf8'));
}
