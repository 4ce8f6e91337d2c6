import type { Json, SourcePosition } from '../connectors';
import type { OperatorMetrics } from '../metrics';
import type { Clock } from '../types';
import {
  CHECKPOINT_VERSION,
  type Checkpoint,
  CheckpointError,
  type CheckpointStorage,
  type OperatorCheckpoint,
  sameJson,
} from './checkpoint';
import type { PhysicalPlan } from './plan';
import type { SourcePump } from './pump';

/** When to checkpoint: every `records` records read, or every `ms` of the job's clock. */
export interface CheckpointInterval {
  readonly records?: number;
  readonly ms?: number;
}

/** Counters of the checkpoints a job has taken. */
export interface CheckpointStats {
  completed: number;
  /** The id of the last completed checkpoint. */
  lastId: number | undefined;
  /** Clock milliseconds from the cut to the commit of the last completed checkpoint. */
  lastDurationMs: number;
  lastSizeBytes: number;
  /** The checkpoint this run resumed from. */
  restoredFrom: number | undefined;
}

const COUNTERS = ['recordsIn', 'recordsOut', 'lateDropped', 'lateSideOutput', 'invalid'] as const;

/**
 * Takes checkpoints of one job (Flink's checkpoint coordinator, on one thread). The cut is taken
 * synchronously between batches: operator snapshots, source positions and the roll-over of every
 * exactly-once sink's transaction happen in one turn, so they describe the same point of the
 * stream. Then, while the sources read on, the sinks' closed transactions are pre-committed, the
 * checkpoint is stored, and once it is durable the transactions are committed. One checkpoint is
 * in flight at a time.
 */
export class CheckpointCoordinator {
  readonly stats: CheckpointStats = {
    completed: 0,
    lastId: undefined,
    lastDurationMs: 0,
    lastSizeBytes: 0,
    restoredFrom: undefined,
  };
  nextId = 1;
  private inFlight: Promise<void> | undefined;
  /**
   * Per sink, the pre-committed transactions not committed yet, oldest first. Every checkpoint
   * stores all of them, not only its own: when a commit fails (the job then fails too), a later
   * checkpoint, such as the final one of a bounded input, still holds the earlier transaction, and
   * a restore commits it.
   */
  private readonly uncommitted = new Map<string, Json[]>();
  private recordsSince = 0;
  private lastAt: number;

  constructor(
    private readonly plan: PhysicalPlan,
    private readonly pumps: () => readonly SourcePump[],
    private readonly storage: CheckpointStorage | undefined,
    private readonly interval: CheckpointInterval,
    private readonly clock: Clock,
    private readonly settleWrites: () => Promise<void>,
  ) {
    this.lastAt = clock.now();
  }

  /** After each batch: starts a checkpoint when one is due and none is in flight. */
  afterBatch(records: number, onError: (err: unknown) => void): void {
    if (this.storage === undefined) return;
    this.recordsSince += records;
    if (this.inFlight !== undefined) return;
    const { records: every, ms } = this.interval;
    const due =
      (every !== undefined && this.recordsSince >= every) ||
      (ms !== undefined && this.clock.now() - this.lastAt >= ms);
    if (due) this.trigger(false, true).catch(onError);
  }

  /**
   * Takes a checkpoint now (after the one in flight). `finished`: the inputs have ended.
   * `continuing`: the job goes on, so sinks open a next transaction.
   */
  async trigger(finished: boolean, continuing: boolean): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
    const run = this.take(finished, continuing);
    this.inFlight = run;
    try {
      await run;
    } finally {
      this.inFlight = undefined;
    }
  }

  /** A checkpoint is in flight. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  /** Waits for the checkpoint in flight, if any. */
  async idle(): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight.catch(() => {});
  }

  private async take(finished: boolean, continuing: boolean): Promise<void> {
    const storage = this.storage!;
    const id = this.nextId++;
    const startedAt = this.clock.now();
    this.recordsSince = 0;
    this.lastAt = startedAt;
    // The cut: everything below runs in one synchronous turn.
    const { operators, sources, metrics } = cutOf(this.plan, this.pumps());
    const closing = this.plan.sinks
      .filter((s) => s.transactional)
      .map((s) => [s, s.roll(continuing ? id + 1 : undefined)] as const);
    const cut = structuredClone({ operators, sources });
    // After the cut: sources read on while the checkpoint is made durable.
    await this.settleWrites();
    const sinks: Record<string, Json[]> = {};
    for (const [s, txn] of closing) {
      const waiting = this.uncommitted.get(s.name) ?? [];
      waiting.push(await s.preCommit(txn));
      this.uncommitted.set(s.name, waiting);
      sinks[s.name] = [...waiting];
    }
    const checkpoint: Checkpoint = {
      version: CHECKPOINT_VERSION,
      id,
      takenAt: startedAt,
      finished,
      operators: cut.operators,
      sources: cut.sources,
      sinks,
      metrics,
    };
    const info = await storage.save(checkpoint);
    for (const [s] of closing) {
      const waiting = this.uncommitted.get(s.name)!;
      while (waiting.length > 0) {
        await s.commit(waiting[0]!);
        waiting.shift();
      }
    }
    this.stats.completed++;
    this.stats.lastId = id;
    this.stats.lastDurationMs = this.clock.now() - startedAt;
    this.stats.lastSizeBytes = info.size;
  }
}

/**
 * Operator snapshots, source positions and counters at this moment (not cloned: operators may
 * hand out their live state).
 */
export function cutOf(
  plan: PhysicalPlan,
  pumps: readonly SourcePump[],
): {
  operators: Record<string, OperatorCheckpoint>;
  sources: Record<string, SourcePosition>;
  metrics: Record<string, Record<string, number>>;
} {
  const operators: Record<string, OperatorCheckpoint> = {};
  const metrics: Record<string, Record<string, number>> = {};
  for (const v of plan.vertices) {
    metrics[v.name] = countersOf(v.metrics);
    if (v.operator === undefined || v.type !== 'operator') continue;
    const state = v.operator.snapshot();
    if (state !== undefined) {
      operators[v.name] = { kind: v.kind, config: v.operator.describe(), state };
    }
  }
  const sources: Record<string, SourcePosition> = {};
  for (const p of pumps) sources[p.source.vertex.name] = p.position ?? null;
  return { operators, sources, metrics };
}

function countersOf(m: OperatorMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of COUNTERS) out[c] = m[c];
  for (const [k, v] of Object.entries(m.custom)) out[`custom.${k}`] = v;
  return out;
}

/**
 * Checks a checkpoint against the pipeline before anything runs, then loads it: operator state,
 * counters and sink transactions by name. Every mismatch names the operator.
 */
export function restoreCheckpoint(
  plan: PhysicalPlan,
  checkpoint: Checkpoint,
  sourceNames: readonly string[],
  dropState: readonly string[],
): void {
  const drop = new Set(dropState);
  const where = `restore of checkpoint ${checkpoint.id}`;
  if (checkpoint.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `${where}: unknown version ${JSON.stringify(checkpoint.version)} (this eventide reads version ${CHECKPOINT_VERSION})`,
    );
  }
  for (const name of Object.keys(checkpoint.operators)) {
    const v = plan.vertex(name);
    if (
      (v?.operator === undefined || v.type !== 'operator' || v.operator.snapshot() === undefined) &&
      !drop.has(name)
    ) {
      throw new CheckpointError(
        `${where}: it holds state for operator "${name}", which this pipeline does not have (name stateful operators with .name() to keep them stable, or drop the state with dropState: ["${name}"])`,
      );
    }
  }
  for (const v of plan.vertices) {
    if (v.type !== 'operator' || v.operator === undefined || drop.has(v.name)) continue;
    if (v.operator.snapshot() === undefined) continue;
    const saved = checkpoint.operators[v.name];
    if (saved === undefined) {
      throw new CheckpointError(
        `${where}: operator "${v.name}" (${v.kind}) has no state in it (a new or renamed operator? start it empty with dropState: ["${v.name}"])`,
      );
    }
    if (saved.kind !== v.kind) {
      throw new CheckpointError(
        `${where}: operator "${v.name}" was a ${saved.kind} operator, it is now a ${v.kind}`,
      );
    }
    const config = v.operator.describe();
    if (!sameJson(saved.config, config)) {
      throw new CheckpointError(
        `${where}: operator "${v.name}" changed its configuration: the checkpoint has ${JSON.stringify(saved.config)}, the pipeline ${JSON.stringify(config)}`,
      );
    }
  }
  const inPlan = new Set(sourceNames);
  for (const name of sourceNames) {
    if (!(name in checkpoint.sources)) {
      throw new CheckpointError(`${where}: source "${name}" has no position in it`);
    }
  }
  for (const name of Object.keys(checkpoint.sources)) {
    if (!inPlan.has(name))
      throw new CheckpointError(
        `${where}: it holds a position for source "${name}", which this pipeline does not have`,
      );
  }
  const transactional = new Set(plan.sinks.filter((s) => s.transactional).map((s) => s.name));
  for (const name of Object.keys(checkpoint.sinks)) {
    if (!transactional.has(name) && !drop.has(name)) {
      throw new CheckpointError(
        `${where}: it holds transactions of sink "${name}", which this pipeline does not have`,
      );
    }
  }
  // Checked: now load.
  for (const v of plan.vertices) {
    const saved = checkpoint.metrics[v.name];
    if (saved !== undefined) {
      for (const c of COUNTERS) if (typeof saved[c] === 'number') v.metrics[c] = saved[c];
      for (const [k, n] of Object.entries(saved)) {
        if (k.startsWith('custom.')) v.metrics.custom[k.slice(7)] = n;
      }
    }
    const op = checkpoint.operators[v.name];
    if (op === undefined || drop.has(v.name) || v.operator === undefined) continue;
    try {
      v.operator.restore(op.state);
    } catch (err) {
      throw new CheckpointError(
        `${where}: operator "${v.name}" (${v.kind}): its state has the wrong shape: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
