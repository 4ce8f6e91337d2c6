// Vitest global setup: one PostgreSQL server for the whole suite, started before any test file and
// stopped after the last. Test files read its URL with inject('postgresUrl') and create their own
// database on it (scripts/postgres-server.ts: createDatabase). Chromium for the browser tests is
// found or installed here too, before test files run in parallel: inject('chromiumPath').
import type { TestProject } from 'vitest/node';
import { ensureChromium } from './chromium';
import { startPostgres } from './postgres-server';
import { startRedis } from './redis-server';

export default async function setup(project: TestProject) {
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  try {
    const started = performance.now();
    redis = await startRedis();
    process.stderr.write(
      `Redis for the tests on 127.0.0.1:${redis.port} (${Math.round(performance.now() - started)} ms to start)\n`,
    );
    project.provide('redisUrl', redis.url);
  } catch (e) {
    if (process.env.CI) throw e;
    process.stderr.write(`Redis for the tests did not start: ${(e as Error).message}\n`);
    project.provide('redisUrl', '');
  }
  const stopRedis = () => redis?.stop();
  try {
    project.provide('chromiumPath', ensureChromium());
  } catch (e) {
    if (process.env.CI) throw e;
    process.stderr.write(`Chromium for the browser tests is missing: ${(e as Error).message}\n`);
    project.provide('chromiumPath', '');
  }
  const started = performance.now();
  let server: Awaited<ReturnType<typeof startPostgres>>;
  try {
    server = await startPostgres({ fsync: false });
  } catch (e) {
    // CI must run every test; elsewhere the tests that need PostgreSQL fail, the others run.
    if (process.env.CI) throw e;
    process.stderr.write(`PostgreSQL for the tests did not start: ${(e as Error).message}\n`);
    project.provide('postgresUrl', '');
    return stopRedis;
  }
  process.stderr.write(
    `PostgreSQL for the tests on 127.0.0.1:${server.port} (${Math.round(performance.now() - started)} ms to start)\n`,
  );
  project.provide('postgresUrl', server.url);
  return async () => {
    server.stop();
    await stopRedis();
  };
}
