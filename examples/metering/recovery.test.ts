import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// The main job killed with SIGKILL at random moments, then run again with the same command:
// its output files must hold exactly the lines of an uninterrupted run.

const examples = join(dirname(fileURLToPath(import.meta.url)), '..');
const ARGS = ['--services', '120', '--days', '3', '--seed', '11', '--checkpoint-every', '0.05'];

function start(out: string, workers: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--conditions=@eventide/source',
      '--import',
      'tsx',
      'metering/main.ts',
      ...ARGS,
      '--workers',
      String(workers),
      '--out',
      out,
    ],
    { cwd: examples, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

function finish(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

const sortedFiles = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.csv'))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8').split('\n').sort().join('\n')]),
  );

describe.each([1, 2])('main job with %i worker(s), killed with SIGKILL', (workers) => {
  it('resumes from its latest checkpoint and ends with exactly the uninterrupted output', async () => {
    const reference = mkdtempSync(join(tmpdir(), 'metering-ref-'));
    const ref = await finish(start(reference, workers));
    expect(ref.code, ref.stderr).toBe(0);
    const expected = sortedFiles(reference);
    expect(Object.keys(expected)).toHaveLength(6);
    let resumed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 150, max: 2500 }), { minLength: 1, maxLength: 2 }),
        async (kills) => {
          const out = mkdtempSync(join(tmpdir(), 'metering-kill-'));
          for (const after of kills) {
            const child = start(out, workers);
            const ended = finish(child);
            const timer = setTimeout(() => child.kill('SIGKILL'), after);
            await ended;
            clearTimeout(timer);
          }
          const last = await finish(start(out, workers));
          expect(last.code, last.stderr).toBe(0);
          if (last.stdout.includes('resumed from checkpoint')) resumed++;
          expect(sortedFiles(out)).toEqual(expected);
        },
      ),
      { numRuns: 4 },
    );
    // at least one kill landed mid-run and the next run resumed
    expect(resumed).toBeGreaterThan(0);
  }, 240_000);
});
