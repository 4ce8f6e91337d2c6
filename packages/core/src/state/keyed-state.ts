import { IllegalArgumentError } from '../errors';

/** Names a single value per key. Reads give `defaultValue` until the first `update`. */
export class ValueStateDescriptor<T> {
  readonly kind = 'value';
  constructor(
    readonly name: string,
    readonly defaultValue?: T,
  ) {
    checkName('ValueStateDescriptor', name);
  }
}

/** Names a list per key. */
export class ListStateDescriptor<T> {
  readonly kind = 'list';
  declare readonly __type?: T;
  constructor(readonly name: string) {
    checkName('ListStateDescriptor', name);
  }
}

/** Names a map per key. */
export class MapStateDescriptor<K, V> {
  readonly kind = 'map';
  declare readonly __type?: [K, V];
  constructor(readonly name: string) {
    checkName('MapStateDescriptor', name);
  }
}

function checkName(api: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new IllegalArgumentError(`${api}: name must be a non-empty string`);
  }
}

/** A value scoped to the current key. */
export interface ValueState<T> {
  value(): T | undefined;
  update(value: T): void;
  clear(): void;
}

/** A list scoped to the current key. */
export interface ListState<T> {
  get(): readonly T[];
  add(value: T): void;
  addAll(values: Iterable<T>): void;
  update(values: Iterable<T>): void;
  clear(): void;
}

/** A map scoped to the current key. */
export interface MapState<K, V> {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  contains(key: K): boolean;
  remove(key: K): void;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  isEmpty(): boolean;
  /** How many entries the current key holds. */
  size(): number;
  clear(): void;
}

/** Everything one key holds in a keyed operator. */
interface KeyEntry {
  readonly states: Map<string, unknown>;
  readonly timers: Set<number>;
}

/** Plain-data form of the store, JSON-safe when the user's state values are. */
export interface KeyedStoreSnapshot {
  readonly keys: readonly [
    key: unknown,
    states: readonly [name: string, kind: 'value' | 'list' | 'map', data: unknown][],
  ][];
  /** Live timers in firing order: `[key index, timestamp]`. */
  readonly timers: readonly [keyIndex: number, timestamp: number][];
}

/**
 * Keyed state of one operator: a map from key to that key's named states and timers. State views
 * read `currentKey`, which the operator sets before calling user code (Flink's keyed backend).
 * A key whose states are all cleared and whose timers have all fired is removed.
 */
export class KeyedStore<K> {
  private readonly entries = new Map<K, KeyEntry>();
  private readonly kinds = new Map<string, 'value' | 'list' | 'map'>();
  currentKey!: K;

  get keyCount(): number {
    return this.entries.size;
  }

  entry(key: K): KeyEntry {
    let e = this.entries.get(key);
    if (e === undefined) {
      e = { states: new Map(), timers: new Set() };
      this.entries.set(key, e);
    }
    return e;
  }

  peek(key: K): KeyEntry | undefined {
    return this.entries.get(key);
  }

  /** Drops the key if nothing is left in it. */
  release(key: K): void {
    const e = this.entries.get(key);
    if (e !== undefined && e.states.size === 0 && e.timers.size === 0) this.entries.delete(key);
  }

  private declare(name: string, kind: 'value' | 'list' | 'map'): void {
    const known = this.kinds.get(name);
    if (known !== undefined && known !== kind) {
      throw new IllegalArgumentError(
        `keyed state: "${name}" is already a ${known} state, cannot use it as a ${kind} state`,
      );
    }
    this.kinds.set(name, kind);
  }

  /**
   * One handle per descriptor: a handle reads the current key when used, so every key shares it,
   * and `getState` inside `processElement` costs a lookup, not a new object per record.
   */
  private readonly handles = new WeakMap<object, unknown>();

  private handle<H>(d: { readonly name: string }, kind: 'value' | 'list' | 'map', create: () => H): H {
    let h = this.handles.get(d) as H | undefined;
    if (h === undefined) {
      this.declare(d.name, kind);
      h = create();
      this.handles.set(d, h);
    }
    return h;
  }

  valueState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    return this.handle(d, 'value', () => this.newValueState(d));
  }

  listState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.handle(d, 'list', () => this.newListState(d));
  }

  mapState<MK, MV>(d: MapStateDescriptor<MK, MV>): MapState<MK, MV> {
    return this.handle(d, 'map', () => this.newMapState(d));
  }

  private newValueState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    const store = this;
    return {
      value() {
        const states = store.entries.get(store.currentKey)?.states;
        return states?.has(d.name) ? (states.get(d.name) as T) : d.defaultValue;
      },
      update(value) {
        store.entry(store.currentKey).states.set(d.name, value);
      },
      clear() {
        store.entries.get(store.currentKey)?.states.delete(d.name);
        store.release(store.currentKey);
      },
    };
  }

  private newListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    const store = this;
    const list = (create: boolean): T[] | undefined => {
      const e = create ? store.entry(store.currentKey) : store.entries.get(store.currentKey);
      if (e === undefined) return undefined;
      let l = e.states.get(d.name) as T[] | undefined;
      if (l === undefined && create) {
        l = [];
        e.states.set(d.name, l);
      }
      return l;
    };
    return {
      get: () => list(false) ?? [],
      add: (value) => void list(true)!.push(value),
      addAll: (values) => void list(true)!.push(...values),
      update(values) {
        store.entry(store.currentKey).states.set(d.name, [...values]);
      },
      clear() {
        store.entries.get(store.currentKey)?.states.delete(d.name);
        store.release(store.currentKey);
      },
    };
  }

  private newMapState<MK, MV>(d: MapStateDescriptor<MK, MV>): MapState<MK, MV> {
    const store = this;
    const EMPTY = new Map<MK, MV>();
    const map = (create: boolean): Map<MK, MV> => {
      const e = create ? store.entry(store.currentKey) : store.entries.get(store.currentKey);
      if (e === undefined) return EMPTY;
      let m = e.states.get(d.name) as Map<MK, MV> | undefined;
      if (m === undefined) {
        if (!create) return EMPTY;
        m = new Map();
        e.states.set(d.name, m);
      }
      return m;
    };
    return {
      get: (k) => map(false).get(k),
      put: (k, v) => void map(true).set(k, v),
      contains: (k) => map(false).has(k),
      remove(k) {
        const m = map(false);
        m.delete(k);
        if (m.size === 0 && m !== EMPTY) this.clear();
      },
      entries: () => map(false).entries(),
      keys: () => map(false).keys(),
      values: () => map(false).values(),
      isEmpty: () => map(false).size === 0,
      size: () => map(false).size,
      clear() {
        store.entries.get(store.currentKey)?.states.delete(d.name);
        store.release(store.currentKey);
      },
    };
  }

  /** `timerOrder`: the queue's pending timers in firing order, so a restore re-queues them alike. */
  snapshot(timerOrder: readonly [number, K][]): KeyedStoreSnapshot {
    const keys: [unknown, [string, 'value' | 'list' | 'map', unknown][]][] = [];
    const index = new Map<K, number>();
    for (const [key, e] of this.entries) {
      index.set(key, keys.length);
      const states: [string, 'value' | 'list' | 'map', unknown][] = [];
      for (const [name, data] of e.states) {
        const kind = this.kinds.get(name)!;
        states.push([
          name,
          kind,
          kind === 'map'
            ? [...(data as Map<unknown, unknown>)]
            : kind === 'list'
              ? [...(data as unknown[])]
              : data,
        ]);
      }
      keys.push([key, states]);
    }
    const timers: [number, number][] = [];
    const taken = new Set<string>();
    for (const [t, key] of timerOrder) {
      const i = index.get(key);
      // A deleted timer stays queued until it comes due; only live ones are kept, once each.
      if (i === undefined || !this.entries.get(key)!.timers.has(t) || taken.has(`${i}|${t}`)) continue;
      taken.add(`${i}|${t}`);
      timers.push([i, t]);
    }
    return { keys, timers };
  }

  /** Restores entries and hands each live timer, in firing order, to `onTimer` to re-queue. */
  restore(snapshot: KeyedStoreSnapshot, onTimer: (key: K, timestamp: number) => void): void {
    this.entries.clear();
    for (const [key, states] of snapshot.keys) {
      const e = this.entry(key as K);
      for (const [name, kind, data] of states) {
        this.kinds.set(name, kind);
        e.states.set(
          name,
          kind === 'map'
            ? new Map(data as [unknown, unknown][])
            : kind === 'list'
              ? [...(data as unknown[])]
              : data,
        );
      }
    }
    for (const [i, t] of snapshot.timers) {
      const key = snapshot.keys[i]![0] as K;
      this.entry(key).timers.add(t);
      onTimer(key, t);
    }
  }
}
