import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRedis } from '@eventide/redis';
import { describe, expect, it } from 'vitest';
import { startRedis } from '../../scripts/redis-server';
import { finish, runScript } from './processes';

// A Redis server gone for good mid-run: the consumer does not hang or print a raw client error; it
// ends in one line naming the host and what to check, exit 2.

describe('the main job on Redis, when Redis goes away for good', () => {
  it('ends in one line naming the host, exit 2', async () => {
    const server = await startRedis();
    const stream = `gone-${randomBytes(3).toString('hex')}`;
    const group = `g-${stream}`;
    // published slowly, so that the consumer (with --follow) is still reading when the server goes
    const publisher = runScript('../packages/generator/src/cli/bin.ts', [
      ...['--services', '5', '--days', '2', '--seed', '3', '--speed', '3000'],
      ...['--to', `${server.url}/${stream}`, '--partitions', '2'],
    ]);
    const publishing = finish(publisher, 'the publisher', 180_000);
    const client = await openRedis(server.url);
    // the run's meta and documents are written before its first reading: wait for one
    while ((await client.xlen(`${stream}:0`)) + (await client.xlen(`${stream}:1`)) === 0) {
      if (publisher.exitCode !== null) throw new Error('the publisher ended before it published');
      await new Promise((r) => setTimeout(r, 50));
    }
    const out = mkdtempSync(join(tmpdir(), 'redis-gone-'));
    // three reconnect attempts rather than a minute's worth: the path is the same
    const consumer = runScript(
      'metering/main.ts',
      [
        ...['--source', `${server.url}/${stream}`, '--group', group, '--out', out, '--follow'],
        ...['--checkpoint-every', '0.1', '--lease-ms', '1000'],
      ],
      { EVENTIDE_REDIS_RETRIES: '3' },
    );
    const consuming = finish(consumer, 'the consumer', 180_000);
    // the consumer has made progress: a checkpoint of one of its partitions is stored
    try {
      for (;;) {
        const stored =
          (await client.exists(`${group}:cp:0:latest`)) + (await client.exists(`${group}:cp:1:latest`));
        if (stored > 0) break;
        if (consumer.exitCode !== null) throw new Error('the consumer ended before it stored a checkpoint');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      client.disconnect();
    }
    await server.stop();
    const r = await consuming;
    publisher.kill('SIGKILL');
    await publishing;
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^eventide metering: .*Redis (at )?127\\.0\\.0\\.1:${server.port}.*check that (the server|it) is running`,
      ),
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr + r.stdout).not.toContain(server.password);
  }, 200_000);
});
