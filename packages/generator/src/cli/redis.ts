import { IllegalArgumentError, type Json, type SourceReader } from '@eventide/core';
import { parseRedisUrl, RedisStreamPublisher } from '@eventide/redis';
import { premiseKey, registrationOf } from '../model/fleet';
import type { Label, MeterReading } from '../model/reading';
import type { ReadingRun } from '../sources/run';

/** What `publishRun` wrote. */
export interface PublishSummary {
  readonly stream: string;
  readonly partitions: number;
  readonly rows: number;
  readonly labels: number;
}

/**
 * Publishes a run to a partitioned Redis stream (`redis://[:password@]host:port/<stream>`): the
 * readings to `<stream>:<p>` by premise (`partitionOf(premiseKey(registration), partitions)`), the run's span
 * in `<stream>:meta`, the registrations and labels as documents beside it, and an end entry in
 * every partition when done, so that consumers know the stream is complete. With `speed`, readings
 * are released in simulated time (`speed` simulated seconds per second).
 */
export async function publishRun(
  run: ReadingRun,
  to: string,
  options: {
    readonly partitions: number;
    readonly speed?: number;
    /** Replace a stream that already holds a run. */
    readonly force?: boolean;
    readonly onProgress?: (done: number, total: number, rows: number) => void;
  },
): Promise<PublishSummary> {
  const { options: connection, path } = parseRedisUrl(to);
  const stream = path === '' ? 'readings' : path;
  if (await RedisStreamPublisher.exists(connection, stream)) {
    if (!options.force) {
      throw new IllegalArgumentError(
        `stream "${stream}" already holds a run: add --force to delete it and publish again`,
      );
    }
    await RedisStreamPublisher.remove(connection, stream);
  }
  // a premise's meters go to one partition: per-premise logic (theft's water check) sees them together
  const premiseOf = new Map(run.resolved.services.map((s) => [s.serviceId, premiseKey(registrationOf(s))]));
  const publisher = await RedisStreamPublisher.open<MeterReading>({
    connection,
    stream,
    partitions: options.partitions,
    key: (r) => premiseOf.get(r.service_uid) ?? r.service_uid,
  });
  try {
    const { start, end, intervalMs } = run.resolved;
    await publisher.setMeta({
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      intervalMs: String(intervalMs),
      services: String(run.resolved.services.length),
    });
    await publisher.putDocument(
      'registrations',
      run.resolved.services.map(registrationOf) as unknown as Json,
    );
    const labels: Label[] = [];
    const reader = run
      .source({
        onLabel: (l) => labels.push(l),
        ...(options.speed === undefined ? {} : { pace: { speed: options.speed } }),
      })
      .open() as SourceReader<MeterReading>;
    const steps = Math.round((end - start) / intervalMs);
    let rows = 0;
    for (;;) {
      const batch = await reader.read();
      if (batch === null) break;
      await publisher.publish(batch);
      rows += batch.length;
      const at = reader.position?.() as { interval: number } | undefined;
      options.onProgress?.(at?.interval ?? 0, steps, rows);
    }
    reader.close?.();
    await publisher.putDocument('labels', labels as unknown as Json);
    await publisher.end();
    return { stream, partitions: options.partitions, rows, labels: labels.length };
  } finally {
    await publisher.close();
  }
}
