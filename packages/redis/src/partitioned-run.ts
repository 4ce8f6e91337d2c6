import type { Redis } from 'ioredis';
import { LeaseLostError } from './checkpoint-storage';
import { openRedis } from './connection';
import { PartitionLeases, type PartitionLeasesOptions } from './leases';

/** The work of one partition, as `runPartitions` drives it (a job over that partition). */
export interface PartitionTask {
  /**
   * Settles when the work ends: resolves `true` when its input ended (it will have nothing more to
   * do, ever), `false` when it was stopped; rejects when it failed.
   */
  readonly done: Promise<boolean>;
  /** Ends the work: with a last checkpoint (the partition goes to another member), or without (lost). */
  stop(options: { readonly checkpoint: boolean }): Promise<void>;
}

/** The group to join (`PartitionLeasesOptions`) and how to start a partition's work. */
export interface RunPartitionsOptions extends PartitionLeasesOptions {
  /**
   * Starts the work of a partition this member was given, from the partition's last checkpoint.
   * `fence` is the partition's lease, for `RedisCheckpointStorage`.
   */
  start(
    partition: number,
    fence: { readonly key: string; readonly token: string },
  ): PartitionTask | Promise<PartitionTask>;
  /** Told of every change (for logs). */
  readonly onChange?: (change: {
    readonly kind: 'assigned' | 'revoked' | 'lost' | 'finished';
    readonly partitions: readonly number[];
  }) => void;
}

/** A member running its share of a group's partitions (`runPartitions`). */
export interface PartitionedRun {
  readonly leases: PartitionLeases;
  /**
   * Resolves once every partition of the group has finished (bounded inputs), whichever member
   * ran it; rejects when a partition's work fails. Then the member has left the group.
   */
  readonly done: Promise<void>;
  /** Leaves the group now: the partitions held end with a checkpoint and go to the others. */
  close(): Promise<void>;
}

/**
 * Runs the partitions this process holds leases on, one task each, and moves them as members
 * come and go (`PartitionLeases`): a task starts when its partition is assigned, ends with a
 * checkpoint when it is revoked, and is dropped without committing when its lease was lost. A
 * partition whose input ended is recorded as finished (`<group>:finished`) and never started again.
 */
export async function runPartitions(options: RunPartitionsOptions): Promise<PartitionedRun> {
  const client: Redis = await openRedis(options.connection, options.retry, `eventide-run:${options.group}`);
  const finishedKey = `${options.group}:finished`;
  const tasks = new Map<number, PartitionTask>();
  let settle!: { resolve: () => void; reject: (err: unknown) => void };
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  done.catch(() => {});
  let ended = false;
  let poll: ReturnType<typeof setInterval> | undefined;

  const end = async (err?: unknown): Promise<void> => {
    if (ended) return;
    ended = true;
    clearInterval(poll);
    await leases.close().catch(() => {});
    await client.quit().catch(() => client.disconnect());
    if (err === undefined) settle.resolve();
    else settle.reject(err);
  };

  const checkAllFinished = async (): Promise<void> => {
    if (ended) return;
    const n = await client.scard(finishedKey);
    if (n >= options.partitions) await end();
  };

  const stopTasks = async (partitions: readonly number[], checkpoint: boolean): Promise<void> => {
    await Promise.all(
      partitions.map(async (p) => {
        const t = tasks.get(p);
        tasks.delete(p);
        if (t === undefined) return;
        await t.stop({ checkpoint });
        await t.done.catch(() => {});
      }),
    );
  };

  const leases: PartitionLeases = new PartitionLeases(options, {
    async onPartitionsAssigned(partitions) {
      options.onChange?.({ kind: 'assigned', partitions });
      for (const p of partitions) {
        if ((await client.sismember(finishedKey, String(p))) === 1) continue;
        const task = await options.start(p, leases.fence(p));
        tasks.set(p, task);
        task.done.then(
          async (finished) => {
            if (!finished || tasks.get(p) !== task) return;
            tasks.delete(p);
            await client.sadd(finishedKey, String(p));
            options.onChange?.({ kind: 'finished', partitions: [p] });
            await checkAllFinished();
          },
          (err) => {
            // Work that was stopped (its lease lapsed) or whose lease lapsed before anyone noticed
            // fails its checkpoint with LeaseLostError: the partition is someone else's now, or
            // will be claimed again from its last checkpoint. Anything else fails the member.
            if (tasks.get(p) !== task) return;
            tasks.delete(p);
            if (err instanceof LeaseLostError) {
              options.onChange?.({ kind: 'lost', partitions: [p] });
              return;
            }
            void end(err);
          },
        );
      }
    },
    async onPartitionsRevoked(partitions) {
      options.onChange?.({ kind: 'revoked', partitions });
      await stopTasks(partitions, true);
    },
    async onPartitionsLost(partitions) {
      options.onChange?.({ kind: 'lost', partitions });
      await stopTasks(partitions, false);
    },
  });
  await leases.start((err) => void end(err));
  poll = setInterval(() => void checkAllFinished().catch((err) => void end(err)), leases.renewMs);
  await checkAllFinished();
  return { leases, done, close: () => end() };
}
