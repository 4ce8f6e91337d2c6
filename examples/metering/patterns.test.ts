import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PATTERNS } from '../domain/patterns';
import { readRows } from './outputs';
import { finish, runScript } from './processes';

// The main job's alert patterns from a file: the example file is the built-in set, and with
// --follow an edited file applies while the job runs, without a restart.

const examples = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('main job --patterns', () => {
  it('metering/patterns.json is the built-in set', () => {
    const file = JSON.parse(readFileSync(join(examples, 'metering', 'patterns.json'), 'utf8'));
    expect(file).toEqual({ patterns: DEFAULT_PATTERNS });
  });

  it('with --follow, an edited file replaces the patterns while the job runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metering-patterns-'));
    const file = join(dir, 'patterns.json');
    copyFileSync(join(examples, 'metering', 'patterns.json'), file);
    const out = join(dir, 'out');
    const child = spawn(
      process.execPath,
      [
        '--conditions=@eventide/source',
        '--import',
        'tsx',
        'metering/main.ts',
        '--services',
        '150',
        '--days',
        '3',
        '--follow',
        '--speed',
        '15000',
        '--patterns',
        file,
        '--db',
        'none',
        '--out',
        out,
      ],
      { cwd: examples, env: { ...process.env, INIT_CWD: examples } },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // a third into the run (the job reports it, however loaded the machine): drop
    // "stopped-reporting", add a night-use alert
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (/progress: [4-9]0%/.test(stderr)) resolve();
        else if (child.exitCode !== null) reject(new Error(`the job ended before 40%: ${stderr}`));
        else setTimeout(check, 50);
      };
      check();
    });
    const nightUse = {
      id: 'night-use',
      version: 1,
      alert: 'night-use',
      input: 'usage',
      pattern: {
        version: 1,
        stages: [
          {
            link: 'begin',
            name: 'reading',
            where: { expr: "commodity == 'electricity' and hour >= 2 and hour < 4 and quantity > 0.05" },
          },
        ],
      },
      subject: 'reading',
      detail: '${quantity} kWh at ${hour}:00',
    };
    writeFileSync(
      file,
      JSON.stringify({
        patterns: [...DEFAULT_PATTERNS.filter((p) => p.id !== 'stopped-reporting'), nightUse],
      }),
    );
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(/patterns: 4 from .*patterns\.json applied/);
    const alerts = readRows(out, 'alerts', 'csv');
    const at = (type: string) => alerts.filter((a) => a.type === type).map((a) => Date.parse(a.at!));
    const stopped = at('stopped-reporting');
    const night = at('night-use');
    expect(stopped.length, stdout).toBeGreaterThan(0);
    expect(night.length, stdout).toBeGreaterThan(0);
    // the switch happened at one moment of event time: every stopped-reporting alert before it,
    // every night-use alert after
    expect(Math.max(...stopped)).toBeLessThan(Math.min(...night));
    // the other alerts ran on through the change
    expect(Math.max(...at('stuck'), ...at('leak'))).toBeGreaterThan(Math.min(...night));
  }, 120_000);

  it('a 300-byte pattern whose partial matches double with every reading cannot stall the job', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metering-patterns-'));
    const file = join(dir, 'bomb.json');
    writeFileSync(
      file,
      JSON.stringify({
        patterns: [
          {
            id: 'bomb',
            version: 1,
            alert: 'spike',
            input: 'usage',
            subject: 'a',
            detail: 'x',
            pattern: {
              version: 1,
              stages: [
                { link: 'begin', name: 'a' },
                { link: 'followedByAny', name: 'b', oneOrMore: true, allowCombinations: true },
                { link: 'followedBy', name: 'c', where: { expr: 'quantity < 0' } },
              ],
            },
          },
        ],
      }),
    );
    // uncapped this ran for minutes; capped per service it is as quick as any other pattern
    const r = await finish(
      runScript('metering/main.ts', [
        ...['--services', '5', '--days', '0.5', '--workers', '0', '--db', 'none'],
        ...['--patterns', file, '--out', join(dir, 'out')],
      ]),
      'a run with a runaway pattern',
      90_000,
    );
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);
});
