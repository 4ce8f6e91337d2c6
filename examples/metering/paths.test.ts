import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { finish, runScript } from './processes';

// Paths that would write where the user did not mean to, or cannot be written, stop the main job
// before it runs: one line naming the path and what to check, exit 2, nothing touched.

/** The main job refused in one line, exit 2, no stack trace; what it said. */
async function refused(args: readonly string[]): Promise<string> {
  const r = await run(args);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return r.stderr + r.stdout;
}

const run = (args: readonly string[]) =>
  finish(runScript('metering/main.ts', ['--services', '2', '--days', '0.1', '--workers', '0', ...args]));

describe('main job paths', () => {
  it('refuses a --db that is a symbolic link, and leaves the file it points to as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metering-paths-'));
    const other = join(dir, 'other-app.sqlite');
    writeFileSync(other, 'another application’s data');
    symlinkSync(other, join(dir, 'link.db'));
    expect(await refused(['--out', join(dir, 'out'), '--db', join(dir, 'link.db')])).toMatch(
      /link\.db is a symbolic link/,
    );
    expect(readFileSync(other, 'utf8')).toBe('another application’s data');
  }, 60_000);

  it('refuses a directory and a file that is not a SQLite database, in one line each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metering-paths-'));
    mkdirSync(join(dir, 'a-dir'));
    writeFileSync(join(dir, 'notes.txt'), 'not a database');
    for (const [db, said] of [
      ['a-dir', /a-dir is a directory: give a file inside it/],
      ['notes.txt', /notes\.txt is not a SQLite database/],
    ] as const) {
      expect(await refused(['--out', join(dir, 'out'), '--db', join(dir, db)])).toMatch(said);
    }
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('not a database');
  }, 60_000);

  it('a --checkpoint-dir that cannot be written gets one line naming it, not a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metering-paths-'));
    writeFileSync(join(dir, 'file'), '');
    // under a file: cannot be a directory whoever runs the test (root may write anywhere else)
    expect(
      await refused(['--out', join(dir, 'out'), '--db', 'none', '--checkpoint-dir', join(dir, 'file', 'cp')]),
    ).toMatch(/checkpoint directory .*file\/cp cannot be written \(ENOTDIR\): check/);
  }, 60_000);

  it('a link planted as the checkpoints’ run.json is neither read nor written through', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metering-paths-'));
    const secret = join(dir, 'secret.txt');
    writeFileSync(secret, 'private');
    mkdirSync(join(dir, 'cp'));
    symlinkSync(secret, join(dir, 'cp', 'run.json'));
    for (const extra of [[], ['--fresh']]) {
      const said = await refused([
        '--out',
        join(dir, 'out'),
        '--db',
        'none',
        '--checkpoint-dir',
        join(dir, 'cp'),
        ...extra,
      ]);
      expect(said).toMatch(/run\.json is a symbolic link; not following it/);
      expect(said).not.toContain('private');
    }
    expect(readFileSync(secret, 'utf8')).toBe('private');
  }, 60_000);
});
