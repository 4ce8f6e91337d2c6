import type { Json, SourcePosition } from '../connectors';
import { IllegalArgumentError } from '../errors';

/**
 * A checkpoint: the state of every stateful operator, the position of every source and the
 * pre-committed transactions of every exactly-once sink, all taken at one consistent cut of the
 * stream (between batches: every record before the cut is reflected in the state, none after).
 * Restoring it and reading the sources from their positions continues exactly where the cut was.
 */
export interface Checkpoint {
  readonly version: typeof CHECKPOINT_VERSION;
  /** 1, 2, 3, … within a job's history; a resumed run continues the numbering. */
  readonly id: number;
  /** Processing time (the job's clock) when the cut was taken. */
  readonly takenAt: number;
  /** Taken after the inputs ended: restoring it runs nothing. */
  readonly finished: boolean;
  readonly operators: Readonly<Record<string, OperatorCheckpoint>>;
  readonly sources: Readonly<Record<string, SourcePosition>>;
  /** Pre-committed transactions of each two-phase-commit sink, oldest first. */
  readonly sinks: Readonly<Record<string, readonly Json[]>>;
  /** Counters of every operator at the cut, so a resumed run reports the same totals. */
  readonly metrics: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** One operator's part of a checkpoint: its kind, its configuration (checked on restore) and its state. */
export interface OperatorCheckpoint {
  readonly kind: string;
  /** The configuration the state belongs to (window size, pattern, …), compared on restore. */
  readonly config: Json | undefined;
  readonly state: unknown;
}

export const CHECKPOINT_VERSION = 1;

/** Where checkpoints are kept. `save` resolves once the checkpoint is durable. */
export interface CheckpointStorage {
  save(checkpoint: Checkpoint): Promise<CheckpointInfo>;
  /** The newest complete checkpoint, or `undefined` when there is none. */
  latest(): Promise<Checkpoint | undefined>;
}

/** What a completed checkpoint cost. */
export interface CheckpointInfo {
  readonly id: number;
  /** Bytes stored. */
  readonly size: number;
}

/** A restore, an unknown version, or state that does not fit the pipeline. Names the operator. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/**
 * Checkpoints as text. JSON cannot hold `Infinity`, `-Infinity` or `NaN` (the initial watermark
 * is −∞), so they travel as `{"$number":"-Infinity"}` and come back as numbers. Laws:
 * `decode(encode(c))` deep-equals `c` for any plain data of numbers (finite or not), strings,
 * booleans, null, arrays and objects; a value that is not plain data fails to encode.
 */
export function encodeCheckpoint(checkpoint: Checkpoint): string {
  return JSON.stringify(checkpoint, (_key, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
    if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') {
      throw new CheckpointError(`checkpoint: a ${typeof value} is not plain data and cannot be stored`);
    }
    return value;
  });
}

/** Reads a checkpoint written by `encodeCheckpoint` (±∞ and NaN kept), refusing text that is not one. */
export function decodeCheckpoint(text: string): Checkpoint {
  const value = JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$number') return Number((v as { $number: string }).$number);
    }
    return v;
  }) as Checkpoint;
  checkShape(value);
  return value;
}

function checkShape(c: Checkpoint): void {
  if (c === null || typeof c !== 'object') throw new CheckpointError('checkpoint: not an object');
  if (c.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `checkpoint: unknown version ${JSON.stringify(c.version)} (this eventide reads version ${CHECKPOINT_VERSION})`,
    );
  }
  if (!(Number.isInteger(c.id) && c.id > 0)) throw new CheckpointError(`checkpoint: bad id ${c.id}`);
  for (const field of ['operators', 'sources', 'sinks', 'metrics'] as const) {
    const v = c[field];
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new CheckpointError(`checkpoint ${c.id}: "${field}" must be an object`);
    }
  }
  for (const [name, op] of Object.entries(c.operators)) {
    if (op === null || typeof op !== 'object' || typeof op.kind !== 'string' || !('state' in op)) {
      throw new CheckpointError(`checkpoint ${c.id}: operator "${name}" has no kind or state`);
    }
  }
  for (const [name, txns] of Object.entries(c.sinks)) {
    if (!Array.isArray(txns))
      throw new CheckpointError(`checkpoint ${c.id}: sink "${name}" must list transactions`);
  }
}

/** Keeps checkpoints in memory: for tests, and for stopping and restarting a job in one process. */
export class InMemoryCheckpointStorage implements CheckpointStorage {
  private readonly kept: string[] = [];

  constructor(private readonly retain = 3) {
    if (!(Number.isInteger(retain) && retain > 0)) {
      throw new IllegalArgumentError(
        `InMemoryCheckpointStorage: retain must be a positive integer, got ${retain}`,
      );
    }
  }

  async save(checkpoint: Checkpoint): Promise<CheckpointInfo> {
    const text = encodeCheckpoint(checkpoint);
    this.kept.push(text);
    if (this.kept.length > this.retain) this.kept.shift();
    return { id: checkpoint.id, size: text.length };
  }

  async latest(): Promise<Checkpoint | undefined> {
    const text = this.kept[this.kept.length - 1];
    return text === undefined ? undefined : decodeCheckpoint(text);
  }
}

/** Deep equality of plain data (configs compared on restore). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
