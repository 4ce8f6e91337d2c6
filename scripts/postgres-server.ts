// A throwaway PostgreSQL server for tests and benchmarks: installed from Debian's packages when it
// is missing (as root), initdb in a temporary folder, a free port on 127.0.0.1, a random password,
// and stopped (folder deleted) after. PostgreSQL refuses to run as root: as root it runs as the
// `postgres` user.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {} from 'vitest';

// What the suite's global setup (scripts/global-setup.ts) hands to test files: inject('postgresUrl').
declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export interface PostgresServer {
  /** postgres://eventide:<password>@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly port: number;
  readonly password: string;
  readonly dataDir: string;
  stop(): void;
  /** Stops the server, keeping its data (`resume` starts it again on the same port). */
  pause(): void;
  resume(): void;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0]!, 'bin') : undefined;
}

const isRoot = () => process.getuid?.() === 0;

function install(): string {
  if (!isRoot()) {
    throw new Error(
      'PostgreSQL is not installed and this is not root: install it (apt-get install -y postgresql) or run the tests as root',
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  if (!apt(['install', '-y', '--no-install-recommends', 'postgresql'])) {
    if (!apt(['update']) || !apt(['install', '-y', '--no-install-recommends', 'postgresql']))
      throw new Error('apt-get install -y postgresql failed');
  }
  const dir = binDir();
  if (dir === undefined) throw new Error('postgresql installed, but no /usr/lib/postgresql/*/bin/pg_ctl');
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function startPostgres(options: { fsync?: boolean } = {}): Promise<PostgresServer> {
  const bin = binDir() ?? install();
  const dataDir = mkdtempSync(join(tmpdir(), 'eventide-pg-'));
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dataDir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`);
  const asPostgres = (cmd: string, args: string[]) => {
    const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  };
  if (isRoot()) execFileSync('chown', ['-R', 'postgres:postgres', dataDir]);
  chmodSync(dataDir, 0o700);
  const data = join(dataDir, 'data');
  asPostgres(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'eventide',
    '--auth=scram-sha-256',
    `--pwfile=${pwfile}`,
    '--encoding=UTF8',
    '--locale=C',
  ]);
  rmSync(pwfile);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-k ${dataDir}`,
    `-c fsync=${options.fsync === false ? 'off' : 'on'}`,
    '-c max_connections=200',
  ].join(' ');
  const start = () =>
    asPostgres(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-o',
      opts,
      '-l',
      join(dataDir, 'log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
  const stopServer = () => asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  let stopped = false;
  return {
    url: `postgres://eventide:${password}@127.0.0.1:${port}/postgres`,
    port,
    password,
    dataDir,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        stopServer();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    pause: stopServer,
    resume: start,
  };
}

/** A new, empty database on the server (each test file its own), through psql. */
export function createDatabase(adminUrl: string, name: string): string {
  if (adminUrl === '')
    throw new Error('PostgreSQL for the tests is not running: see the warning at the start of the run');
  const u = new URL(adminUrl);
  const bin = binDir();
  const psql = bin === undefined ? 'psql' : join(bin, 'psql');
  execFileSync(
    psql,
    [
      '-h',
      u.hostname,
      '-p',
      u.port,
      '-U',
      decodeURIComponent(u.username),
      '-d',
      u.pathname.slice(1),
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `CREATE DATABASE "${name}"`,
    ],
    {
      env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  u.pathname = `/${name}`;
  return u.toString();
}
