import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The main job's command line with bad paths and sizes: one line saying what is wrong, exit 2,
// and nothing of the user's overwritten.

const examples = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Node's arguments for a small run of the main job. */
const SMALL = [
  '--conditions=@eventide/source',
  '--import',
  'tsx',
  'metering/main.ts',
  '--services',
  '4',
  '--days',
  '0.05',
];
/** A small run of the main job, started (as pnpm would) from `from`. */
function jobFrom(from: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [...SMALL, ...args], {
    cwd: examples,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: from },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const job = (...args: string[]) => jobFrom(examples, ...args);
const lines = (s: string) => s.trimEnd().split('\n').length;

describe('main job command line', () => {
  it('refuses an --out that is a file or under one, in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metering-cli-'));
    writeFileSync(join(dir, 'file'), 'x');
    for (const out of [join(dir, 'file'), join(dir, 'file', 'sub')]) {
      const r = job('--out', out);
      expect(r.code, r.stderr).toBe(2);
      expect(lines(r.stderr), r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^eventide metering: .*(is a file|part of the path is a file)/);
    }
  });

  it('does not overwrite files it did not write, unless --force; never through a link', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metering-cli-'));
    writeFileSync(join(dir, 'alerts.csv'), 'precious');
    const r = job('--out', dir, '--workers', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/alerts\.csv exists .* pass --force/);
    expect(readFileSync(join(dir, 'alerts.csv'), 'utf8')).toBe('precious');
    const forced = job('--out', dir, '--workers', '1', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, 'alerts.csv'), 'utf8')).toMatch(/^type,service_uid/);

    const victim = join(mkdtempSync(join(tmpdir(), 'metering-victim-')), 'victim.txt');
    writeFileSync(victim, 'keep me');
    const linked = mkdtempSync(join(tmpdir(), 'metering-cli-'));
    symlinkSync(victim, join(linked, 'daily-use.csv'));
    const viaLink = job('--out', linked, '--workers', '1', '--force');
    expect(viaLink.code).toBe(2);
    expect(viaLink.stderr).toMatch(/daily-use\.csv is a symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
  });

  it('says where the outputs are, relative to where it was started', () => {
    const base = mkdtempSync(join(tmpdir(), 'metering-cli-base-'));
    const r = jobFrom(base, '--workers', '1', '--out', 'results');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('outputs in results/:');
    expect(readFileSync(join(base, 'results', 'alerts.csv'), 'utf8')).toMatch(/^type,/);
  });

  it('refuses sizes beyond the limits, naming the flag that lifts them', () => {
    for (const args of [
      ['--services', '10000000'],
      ['--days', '1e9'],
    ]) {
      const r = job(...args, '--out', mkdtempSync(join(tmpdir(), 'metering-cli-')));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/above the limit .* pass --no-limits/);
    }
  });

  it('refuses dashboard and pacing flags that cannot work, in one line', () => {
    const cases: [string[], RegExp][] = [
      [['--speed', '60'], /--speed paces a replay: add --follow/],
      [['--follow', '--speed', '0'], /--speed must be a positive number/],
      [['--dashboard', '--workers', '2'], /--dashboard runs the job in this thread/],
      [['--dashboard', '--port', '70000'], /--port must be at most 65535/],
      [['--dashboard', '--port', 'x'], /--port must be an integer/],
    ];
    for (const [args, message] of cases) {
      const r = job(...args, '--out', mkdtempSync(join(tmpdir(), 'metering-cli-')));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(lines(r.stderr)).toBe(2);
    }
  });

  it('says so in one line when the dashboard port is taken', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const c = spawn(
          process.execPath,
          [
            ...SMALL,
            '--dashboard',
            '--port',
            String(port),
            '--out',
            mkdtempSync(join(tmpdir(), 'metering-cli-')),
          ],
          { cwd: examples, env: { ...process.env, INIT_CWD: examples } },
        );
        let stderr = '';
        c.stderr.setEncoding('utf8').on('data', (d: string) => {
          stderr += d;
        });
        c.on('exit', (code) => resolve({ code, stderr }));
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--port ${port} is in use`));
    } finally {
      taken.close();
    }
  });
});
