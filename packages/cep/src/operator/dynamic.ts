import type { Json } from '@eventide/core';
import { expectShape, type OperatorInit } from '@eventide/core/operator';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { compile } from '../compiler/compile';
import type { Match, PartialMatchView } from '../nfa/nfa';
import type { ConditionRegistry } from '../pattern/condition-data';
import { Pattern } from '../pattern/pattern';
import type { PatternSpec } from '../pattern/spec';
import { PatternRunner, type RunnerSnapshot } from './runner';
import { Sequencer, type SequencerSnapshot } from './sequencer';

/**
 * A change to the set of patterns a `CEP.dynamicPatterns` operator runs.
 *
 * - `add` a pattern under a new `id`; `replace` an existing one with a higher `version`;
 *   `remove` it; or `set` the whole set at once (declarative, as from a file: a pattern listed
 *   with the version already active is left as it is, one not listed is removed).
 * - `at` (event time) says from when it applies: events with a later timestamp are matched by
 *   the new set, events at or before `at` by the old one. Without `at` it applies at the
 *   operator's watermark when it arrives (events not yet released see it), which depends on
 *   timing: give `at` for runs that must repeat exactly.
 */
export type PatternUpdate =
  | {
      readonly op: 'add' | 'replace';
      readonly id: string;
      readonly version: number;
      readonly pattern: PatternSpec;
      readonly at?: number;
    }
  | { readonly op: 'remove'; readonly id: string; readonly at?: number }
  | {
      readonly op: 'set';
      /** The whole set: listed ones are added, or replaced when their version is higher; others removed. */
      readonly patterns: readonly {
        readonly id: string;
        readonly version: number;
        readonly pattern: PatternSpec;
      }[];
      readonly at?: number;
    };

/** A match of a dynamic pattern: which pattern (id and version) found it, for which key. */
export interface DynamicMatch<T, K = unknown> {
  readonly patternId: string;
  readonly version: number;
  readonly key: K;
  readonly match: Match<T>;
}

/** A pattern update the operator refused, with the reason (on the INVALID side output). */
export interface RefusedUpdate {
  readonly update: unknown;
  readonly reason: string;
}

export interface DynamicConfig<K, T> {
  readonly keySelector: (value: T) => K;
  readonly updates: Observable<PatternUpdate>;
  readonly conditions: ConditionRegistry<T> | undefined;
  readonly comparator: ((a: T, b: T) => number) | undefined;
  readonly maxPartialMatchesPerKey: number;
  readonly clock: SchedulerLike;
  /** Receives the partial matches of one pattern and key, for "why didn't it fire". */
  readonly inspect: ((inspector: DynamicInspector<K, T>) => void) | undefined;
}

/** Looks into a running dynamic-patterns operator. */
export interface DynamicInspector<K, T> {
  /** The active patterns: id → version. */
  patterns(): Record<string, number>;
  /** The partial matches `key` holds for pattern `id`, oldest first. */
  partialMatches(id: string, key: K): PartialMatchView<T>[];
}

interface Active<K, T> {
  readonly id: string;
  readonly version: number;
  readonly spec: PatternSpec;
  readonly runner: PatternRunner<K, T>;
}

/**
 * Runs a changing set of patterns, given as data, over one keyed stream (FLIP-200's dynamic
 * patterns): every event is matched, in timestamp order, by each pattern active at its time.
 *
 * A replaced pattern's partial matches are dropped: they were built against the old conditions,
 * and the new version starts from the next event (counted as `partialMatchesDiscarded`). A
 * removed pattern's likewise. The active patterns (their specs and versions), their state, and
 * updates not applied yet are all in snapshots and checkpoints; on restore the specs are built
 * again with the same condition registry.
 */
export class DynamicCepOperator<K, T> extends Sequencer<K, T, DynamicMatch<T, K>> {
  /** Active patterns in the order they were added (matches of one event come in this order). */
  private readonly active = new Map<string, Active<K, T>>();
  /** Updates received, not applied yet, in order of `at` (stable). */
  private pending: (PatternUpdate & { readonly at: number })[] = [];
  private subscription: Subscription | undefined;
  private timestamp = 0;

  constructor(
    init: OperatorInit,
    private readonly config: DynamicConfig<K, T>,
  ) {
    super(init, { ...config, lateTag: undefined });
    Object.assign(this.metrics.custom, {
      partialMatches: 0,
      matches: 0,
      timeouts: 0,
      partialMatchesDropped: 0,
      partialMatchesDiscarded: 0,
      patterns: 0,
      updatesApplied: 0,
    });
  }

  override open(): void {
    super.open();
    this.subscription = this.config.updates.subscribe({
      next: (u) => this.receive(u),
      error: (e) =>
        this.out.invalid(
          `CEP.dynamicPatterns: the update stream failed: ${(e as Error).message}`,
          null,
          this.watermark,
        ),
    });
    this.config.inspect?.({
      patterns: () => Object.fromEntries([...this.active.values()].map((a) => [a.id, a.version])),
      partialMatches: (id, key) => this.active.get(id)?.runner.describe(key) ?? [],
    });
  }

  override close(): void {
    super.close();
    this.subscription?.unsubscribe();
  }

  private receive(u: PatternUpdate): void {
    this.enqueueUpdate(u);
    // outside a batch (an update arriving on its own), what it wrote goes out now
    this.updateGauges();
    this.out.flush();
  }

  private enqueueUpdate(u: PatternUpdate): void {
    const at = (u as { at?: unknown } | null)?.at;
    if (u === null || typeof u !== 'object') {
      this.refuse(u, 'an update must be an object');
      return;
    }
    if (at !== undefined && !(typeof at === 'number' && Number.isFinite(at))) {
      this.refuse(u, `"at" must be a finite event time, got ${JSON.stringify(at)}`);
      return;
    }
    const now = this.processingTime ? this.config.clock.now() : this.watermark;
    // before the first watermark: the earliest time there is (finite, so checkpoints keep it)
    const when = (at as number | undefined) ?? (Number.isFinite(now) ? now : -Number.MAX_VALUE);
    // keep `pending` sorted by time, stable for equal times
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1]!.at > when) i--;
    this.pending.splice(i, 0, { ...u, at: when });
    // An update for a time already passed applies now (nothing before it can still be matched).
    if (when <= this.watermark) this.beforeTime(this.watermark + 1);
  }

  private refuse(update: unknown, reason: string): void {
    this.out.invalid(
      `CEP.dynamicPatterns: ${reason}`,
      { update, reason } satisfies RefusedUpdate,
      this.timestamp,
    );
  }

  /** Applies the updates whose time is before `t`. */
  protected override beforeTime(t: number): void {
    while (this.pending.length > 0 && this.pending[0]!.at < t) this.apply(this.pending.shift()!);
    this.metrics.custom.patterns = this.active.size;
  }

  private apply(u: PatternUpdate): void {
    const op = (u as { op?: unknown }).op;
    if (op === 'set') {
      const list = (u as { patterns?: unknown }).patterns;
      if (!Array.isArray(list)) {
        this.refuse(u, 'set: "patterns" must be an array');
        return;
      }
      const listed = new Set<string>();
      for (const entry of list as { id?: unknown; version?: unknown; pattern?: unknown }[]) {
        if (typeof entry?.id === 'string') listed.add(entry.id);
        const active = typeof entry?.id === 'string' ? this.active.get(entry.id) : undefined;
        if (active === undefined) this.apply({ ...(entry as object), op: 'add' } as PatternUpdate);
        else if (entry.version === active.version) {
          if (JSON.stringify(entry.pattern) !== JSON.stringify(active.spec)) {
            this.refuse(
              entry,
              `set "${active.id}": the pattern changed but its version (${active.version}) did not`,
            );
          }
        } else this.apply({ ...(entry as object), op: 'replace' } as PatternUpdate);
      }
      for (const id of [...this.active.keys()]) if (!listed.has(id)) this.apply({ op: 'remove', id });
      return;
    }
    const id = (u as { id?: unknown }).id;
    if (typeof id !== 'string' || id.length === 0) {
      this.refuse(u, 'an update needs an "id" (a non-empty string)');
      return;
    }
    const existing = this.active.get(id);
    if (op === 'remove') {
      if (existing === undefined) {
        this.refuse(u, `remove: no pattern "${id}"`);
        return;
      }
      this.metrics.custom.partialMatchesDiscarded! += existing.runner.clear();
      this.active.delete(id);
      this.metrics.custom.updatesApplied!++;
      return;
    }
    if (op !== 'add' && op !== 'replace') {
      this.refuse(u, `"op" must be add, replace, remove or set, got ${JSON.stringify(op)}`);
      return;
    }
    const { version, pattern } = u as { version?: unknown; pattern?: unknown };
    if (!(typeof version === 'number' && Number.isInteger(version) && version > 0)) {
      this.refuse(u, `${op} "${id}": "version" must be a positive integer, got ${JSON.stringify(version)}`);
      return;
    }
    if (op === 'add' && existing !== undefined) {
      this.refuse(u, `add: pattern "${id}" exists (version ${existing.version}); use replace`);
      return;
    }
    if (op === 'replace') {
      if (existing === undefined) {
        this.refuse(u, `replace: no pattern "${id}"; use add`);
        return;
      }
      if (version <= existing.version) {
        this.refuse(u, `replace "${id}": version ${version} is not above the active ${existing.version}`);
        return;
      }
    }
    let runner: PatternRunner<K, T>;
    try {
      runner = this.runnerFor(id, version, pattern);
    } catch (e) {
      this.refuse(u, `${op} "${id}" version ${version}: ${(e as Error).message}`);
      return;
    }
    if (existing !== undefined) this.metrics.custom.partialMatchesDiscarded! += existing.runner.clear();
    // a replaced pattern keeps its place in the order
    this.active.set(id, { id, version, spec: pattern as PatternSpec, runner });
    this.metrics.custom.updatesApplied!++;
  }

  private runnerFor(id: string, version: number, spec: unknown): PatternRunner<K, T> {
    const compiled = compile(Pattern.fromJSON<T>(spec, this.config.conditions));
    return new PatternRunner<K, T>(compiled, this.config.maxPartialMatchesPerKey, {
      counters: this.metrics.custom,
      onMatch: (match, ts, key) => {
        this.timestamp = ts;
        this.out.emit({ patternId: id, version, key, match }, ts);
      },
      onTimeout: undefined,
      onUserError: (e, value, ts, key) => this.userErrorAt(e, value, ts, key),
    });
  }

  protected runEvent(key: K, value: T, t: number): void {
    for (const a of this.active.values()) a.runner.runEvent(key, value, t);
  }

  protected nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const a of this.active.values()) {
      const d = a.runner.nextDeadline();
      if (d !== undefined && (next === undefined || d < next)) next = d;
    }
    return next;
  }

  protected fireDeadlines(time: number): void {
    for (const a of this.active.values()) a.runner.advanceDeadlines(time);
  }

  protected updateGauges(): void {
    let keys = 0;
    let partial = 0;
    for (const a of this.active.values()) {
      keys += a.runner.keyCount;
      partial += a.runner.partialMatches;
    }
    this.metrics.keysHeld = keys;
    this.metrics.custom.partialMatches = partial;
    this.metrics.custom.waiting = this.waitingCount;
  }

  /** The patterns are state, not configuration: any set of them restores. */
  override describe(): Json {
    return { dynamic: true };
  }

  override snapshot(): unknown {
    return {
      ...this.snapshotInput(),
      patterns: [...this.active.values()].map((a) => [a.id, a.version, a.spec, a.runner.snapshot()]),
      pending: this.pending,
      counters: { ...this.metrics.custom },
    };
  }

  override restore(state: unknown): void {
    expectShape(state, { watermark: 'time', waiting: 'array', patterns: 'array', pending: 'array' });
    const s = state as SequencerSnapshot<K, T> & {
      patterns: [string, number, PatternSpec, RunnerSnapshot<K, T>][];
      pending: (PatternUpdate & { at: number })[];
      counters: Record<string, number>;
    };
    this.restoreInput(s);
    this.active.clear();
    for (const [id, version, spec, runner] of s.patterns) {
      const r = this.runnerFor(id, version, spec);
      r.restore(runner);
      this.active.set(id, { id, version, spec, runner: r });
    }
    this.pending = [...s.pending];
    Object.assign(this.metrics.custom, s.counters);
    this.updateGauges();
  }
}
