import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Property: a pipeline with every stateful operator (CEP included), killed with SIGKILL at a
// random cut and restored in a new process from its checkpoint files, writes exactly the lines of
// an uninterrupted run.

const fixture = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'every-operator.ts');

function run(dir: string, seed: number, n: number, crashAfter: number) {
  return spawnSync(
    process.execPath,
    [
      '--conditions=@eventide/source',
      '--import',
      'tsx',
      fixture,
      dir,
      String(seed),
      String(n),
      String(crashAfter),
    ],
    {
      encoding: 'utf8',
    },
  );
}

const lines = (dir: string) => readFileSync(join(dir, 'out.txt'), 'utf8').split('\n').sort();

describe('checkpoint → kill → restore in a new process', () => {
  it('gives the uninterrupted output for every stateful operator, CEP included', () => {
    let restored = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 399 }), (seed, crashAfter) => {
        const n = 400;
        const reference = mkdtempSync(join(tmpdir(), 'restore-ref-'));
        const ref = run(reference, seed, n, -1);
        expect(ref.status, ref.stderr).toBe(0);
        const dir = mkdtempSync(join(tmpdir(), 'restore-'));
        const crashed = run(dir, seed, n, crashAfter);
        expect(crashed.signal).toBe('SIGKILL');
        const resumed = run(dir, seed, n, -1);
        expect(resumed.status, resumed.stderr).toBe(0);
        if (!resumed.stdout.includes('restored none')) restored++;
        const expected = lines(reference);
        // every operator contributed
        for (const kind of ['tumbling', 'sliding', 'session', 'timer', 'match']) {
          expect(
            expected.some((l) => l.startsWith(kind)),
            kind,
          ).toBe(true);
        }
        expect(lines(dir)).toEqual(expected);
      }),
      { numRuns: 6 },
    );
    expect(restored).toBeGreaterThan(0);
  }, 180_000);
});
