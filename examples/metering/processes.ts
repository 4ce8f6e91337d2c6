// Tests and benchmarks that run the main job (or eventide-gen) as a user does: a separate Node
// process from the sources, its output captured, killed if it hangs.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a TypeScript entry (relative to examples/, e.g. `metering/main.ts`) in a new process, with `env` added. */
export function runScript(
  script: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): ChildProcess {
  return spawn(process.execPath, ['--conditions=@eventide/source', '--import', 'tsx', script, ...args], {
    cwd: EXAMPLES,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

export interface Ended {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A process's end, with what it printed. One that runs longer than `limitMs` is killed and fails
 * the test with what it printed, naming `what`.
 */
export function finish(
  child: ChildProcess,
  what = 'a run of the main job',
  limitMs = 120_000,
): Promise<Ended> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const watchdog = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} hung for ${limitMs / 60_000} minutes; it printed:\n${stdout}\n${stderr}`));
    }, limitMs);
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * The main job run to its end in this process's stead (`--db none` unless `args` say otherwise
 * later), paths relative to examples/: its exit code and what it printed.
 */
export function runMainSync(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--conditions=@eventide/source', '--import', 'tsx', 'metering/main.ts', '--db', 'none', ...args],
    { cwd: EXAMPLES, encoding: 'utf8', env: { ...process.env, INIT_CWD: EXAMPLES } },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
