// A throwaway Redis server for tests, benchmarks and the README's walk-through: installed from
// Debian's packages when it is missing (as root), on a free port bound to 127.0.0.1, with a random
// password (requirepass), its data in a temporary folder (append-only file on, so a restart keeps
// what it had), and stopped (folder deleted) after.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {} from 'vitest';
import { freePort } from './postgres-server';

declare module 'vitest' {
  export interface ProvidedContext {
    /** redis://:<password>@127.0.0.1:<port> of the suite's server, '' when it did not start. */
    redisUrl: string;
  }
}

export interface RedisServer {
  /** redis://:<password>@127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly password: string;
  readonly dataDir: string;
  stop(): Promise<void>;
  /** Stops the server (SIGTERM: it writes its append-only file) and starts it again on the same port, with its data. */
  restart(): Promise<void>;
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function ensureRedis(): void {
  if (which('redis-server')) return;
  if (process.getuid?.() !== 0) {
    throw new Error('redis-server is not installed and this is not root: apt-get install -y redis-server');
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  if (!apt(['install', '-y', '--no-install-recommends', 'redis-server'])) {
    if (!apt(['update']) || !apt(['install', '-y', '--no-install-recommends', 'redis-server']))
      throw new Error('apt-get install -y redis-server failed');
  }
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > until)
          reject(new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startRedis(options: { port?: number } = {}): Promise<RedisServer> {
  ensureRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'eventide-redis-'));
  const password = randomBytes(12).toString('hex');
  const port = options.port ?? (await freePort());
  const conf = join(dataDir, 'redis.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'protected-mode yes',
      `requirepass ${password}`,
      `dir ${dataDir}`,
      'appendonly yes',
      'appendfsync everysec',
      'save ""',
      'daemonize no',
      'loglevel warning',
      `logfile ${join(dataDir, 'redis.log')}`,
    ].join('\n'),
  );
  let child: ChildProcess;
  const launch = async () => {
    child = spawn('redis-server', [conf], { stdio: 'ignore' });
    await waitForPort(port, 10_000);
  };
  await launch();
  const kill = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return {
    url: `redis://:${password}@127.0.0.1:${port}`,
    port,
    password,
    dataDir,
    async stop() {
      await kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await kill('SIGTERM');
      await launch();
    },
  };
}
