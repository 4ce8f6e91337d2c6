import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { IllegalArgumentError } from '@eventide/core';
import type { Redis } from 'ioredis';
import { openRedis, type RedisConnection, type RetryOptions } from './connection';

/**
 * What a member is told when its partitions change (shaped like Kafka's
 * `ConsumerRebalanceListener`). Calls never overlap: the next one waits for the last to settle.
 */
export interface RebalanceListener {
  /** Partitions this member now holds: start their work, from their last checkpoints. */
  onPartitionsAssigned(partitions: readonly number[]): void | Promise<void>;
  /**
   * Partitions this member gives up, while it still holds them (a rebalance, or `close()`): end
   * their work with a checkpoint. The leases are released once this settles, not before.
   */
  onPartitionsRevoked(partitions: readonly number[]): void | Promise<void>;
  /**
   * Partitions whose lease lapsed before it was renewed (the process paused longer than the
   * lease): another member may hold them already, so stop their work without committing anything.
   */
  onPartitionsLost?(partitions: readonly number[]): void | Promise<void>;
}

/** Who shares what: the group, its partition count, this member, and the lease timing. */
export interface PartitionLeasesOptions {
  readonly connection: RedisConnection;
  /** Members of one group share its partitions (keys `<group>:members`, `<group>:lease:<p>`). */
  readonly group: string;
  readonly partitions: number;
  /** This member's id (default host, pid and a random suffix). */
  readonly member?: string;
  /** How long a lease and a membership last without renewal (default 10 s). */
  readonly leaseMs?: number;
  /** How often they are renewed and the assignment is looked at again (default a third of `leaseMs`). */
  readonly renewMs?: number;
  readonly retry?: RetryOptions;
}

// Renews the membership (expiry on Redis's clock, so members' clocks need not agree), drops
// members that expired, returns the live ones.
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Time-limited leases on the partitions of a stream, shared by the members of a group (processes,
 * possibly on several machines). Every `renewMs` a member renews its membership and its leases;
 * separately (so that a slow revocation never delays a renewal) it compares what it holds with
 * its fair share: the partitions divided evenly among the live members, sorted by id. A member
 * above its share revokes and releases partitions; a member below it claims free ones
 * (`SET NX PX`). So a joining member gets its share within a few renewals, and the partitions of a
 * member that died are free once its leases lapse, and taken over by the others.
 *
 * A lease's key holds a token new at each acquisition (the member's id and a random suffix): pass
 * `fence(p)` to `RedisCheckpointStorage` so that the work of a lease that lapsed can no longer
 * store checkpoints (nor, therefore, commit) for that partition, even when the same member has
 * acquired the partition again since.
 */
export class PartitionLeases {
  readonly member: string;
  private readonly leaseMs: number;
  /** How often leases are renewed. */
  readonly renewMs: number;
  private client: Redis | undefined;
  /** Partition → the token of its lease. */
  private readonly held = new Map<number, string>();
  /** Leases found lapsed by a renewal, not reported yet. */
  private lapsed: number[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private renewing: Promise<void> | undefined;
  /** Rebalancing and listener calls, one after another. */
  private work: Promise<void> = Promise.resolve();
  private workQueued = false;
  private closed = false;
  private failure: ((err: unknown) => void) | undefined;
  /** Live members at the last renewal. */
  members: readonly string[] = [];

  constructor(
    private readonly options: PartitionLeasesOptions,
    private readonly listener: RebalanceListener,
  ) {
    this.member = options.member ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.renewMs = options.renewMs ?? Math.max(1, Math.floor(this.leaseMs / 3));
    if (!(Number.isInteger(options.partitions) && options.partitions > 0)) {
      throw new IllegalArgumentError(
        `PartitionLeases: partitions must be a positive integer, got ${options.partitions}`,
      );
    }
    if (
      !(Number.isInteger(this.leaseMs) && this.leaseMs > 0 && this.renewMs > 0 && this.renewMs < this.leaseMs)
    ) {
      throw new IllegalArgumentError(
        `PartitionLeases: need 0 < renewMs < leaseMs, got renewMs ${this.renewMs}, leaseMs ${this.leaseMs}`,
      );
    }
  }

  private leaseKey(p: number): string {
    return `${this.options.group}:lease:${p}`;
  }

  /** The fence of partition `p` for `RedisCheckpointStorage` (its lease as held now). */
  fence(p: number): { readonly key: string; readonly token: string } {
    const token = this.held.get(p);
    if (token === undefined) throw new IllegalArgumentError(`PartitionLeases: partition ${p} is not held`);
    return { key: this.leaseKey(p), token };
  }

  /** The partitions held now. */
  get partitions(): readonly number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /**
   * Joins the group and takes a first share; then keeps renewing until `close()`. `onError` hears
   * of a failure of the renewal loop (Redis gone for longer than the retries): the member has
   * stopped then, and its partitions were reported lost.
   */
  async start(onError: (err: unknown) => void = () => {}): Promise<void> {
    this.failure = onError;
    this.client = await openRedis(
      this.options.connection,
      this.options.retry,
      `eventide-leases:${this.options.group}`,
    );
    await this.renew();
    await this.rebalance();
    this.timer = setInterval(() => {
      if (this.renewing !== undefined) return;
      this.renewing = this.renew()
        .then(() => this.queueRebalance())
        .catch((err) => this.fail(err))
        .finally(() => {
          this.renewing = undefined;
        });
    }, this.renewMs);
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    const all = this.partitions;
    this.held.clear();
    this.work = this.work
      .then(async () => {
        if (all.length > 0) await this.listener.onPartitionsLost?.(all);
      })
      .catch(() => {})
      .then(() => this.failure?.(err));
  }

  /** Renews the membership and every lease held; a lease that lapsed is noted for `rebalance`. */
  private async renew(): Promise<void> {
    const client = this.client!;
    const { group } = this.options;
    this.members = (
      (await client.eval(HEARTBEAT, 1, `${group}:members`, this.member, this.leaseMs)) as string[]
    ).sort();
    for (const [p, token] of [...this.held]) {
      const ok = (await client.eval(RENEW, 1, this.leaseKey(p), token, this.leaseMs)) as number;
      if (ok !== 1 && this.held.get(p) === token) {
        this.held.delete(p);
        this.lapsed.push(p);
      }
    }
  }

  private queueRebalance(): void {
    if (this.workQueued || this.closed) return;
    this.workQueued = true;
    this.work = this.work.then(async () => {
      this.workQueued = false;
      if (!this.closed) await this.rebalance();
    });
    this.work.catch((err) => this.fail(err));
  }

  /** Reports lapsed leases, then moves towards the fair share. */
  private async rebalance(): Promise<void> {
    const client = this.client!;
    const { partitions } = this.options;
    if (this.lapsed.length > 0) {
      const lost = this.lapsed;
      this.lapsed = [];
      await this.listener.onPartitionsLost?.(lost);
    }
    const live = this.members.length > 0 ? this.members : [this.member];
    const rank = Math.max(0, live.indexOf(this.member));
    const share = Math.floor(partitions / live.length) + (rank < partitions % live.length ? 1 : 0);
    if (this.held.size > share) {
      const give = this.partitions.slice(share);
      await this.listener.onPartitionsRevoked(give);
      for (const p of give) {
        const token = this.held.get(p);
        this.held.delete(p);
        if (token !== undefined) await client.eval(RELEASE, 1, this.leaseKey(p), token);
      }
    } else if (this.held.size < share) {
      const got: number[] = [];
      for (let p = 0; p < partitions && this.held.size < share; p++) {
        if (this.held.has(p)) continue;
        const token = `${this.member}/${randomBytes(4).toString('hex')}`;
        if ((await client.set(this.leaseKey(p), token, 'PX', this.leaseMs, 'NX')) === 'OK') {
          this.held.set(p, token);
          got.push(p);
        }
      }
      if (got.length > 0) await this.listener.onPartitionsAssigned(got);
    }
  }

  /** Leaves the group: revokes every partition held (their work ends with a checkpoint), then releases them. */
  async close(): Promise<void> {
    if (this.client === undefined) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.renewing;
    await this.work.catch(() => {});
    const client = this.client;
    this.client = undefined;
    const all = this.partitions;
    if (all.length > 0) await this.listener.onPartitionsRevoked(all);
    for (const p of all) {
      await client.eval(RELEASE, 1, this.leaseKey(p), this.held.get(p)!).catch(() => {});
    }
    this.held.clear();
    await client.zrem(`${this.options.group}:members`, this.member).catch(() => {});
    await client.quit().catch(() => client.disconnect());
  }
}
