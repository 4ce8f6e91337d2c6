import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../scripts/postgres-server';
import { finish, runScript } from './processes';

// Passwords never appear in what the main job prints, and can stay off its command line.

let databases = 0;
const newPostgres = () => createDatabase(inject('postgresUrl'), `secrets_${process.pid}_${databases++}`);

describe('main job credentials', () => {
  it('stopped with SIGTERM, prints a resume line without the --db password', async () => {
    const db = newPostgres();
    const password = new URL(db).password;
    expect(password.length).toBeGreaterThan(8);
    const out = mkdtempSync(join(tmpdir(), 'metering-secrets-'));
    const child = runScript('metering/main.ts', [
      '--services',
      '20',
      '--days',
      '2',
      '--follow',
      '--speed',
      '20000',
      '--workers',
      '0',
      '--db',
      db,
      '--out',
      out,
      '--checkpoint-dir',
      join(out, 'cp'),
    ]);
    const ended = finish(child, 'a run stopped with SIGTERM');
    // stop it once it reports progress, however slow the machine
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      if (/progress: 20%/.test(err)) child.kill('SIGTERM');
    });
    const r = await ended;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stdout).toMatch(/resume with: pnpm start -- .*--db postgres:\/\/eventide:\*\*\*@/);
    expect(r.stdout).toMatch(/passwords are not printed/);
    expect(r.stdout + r.stderr).not.toContain(password);
  }, 120_000);

  it('takes the password from EVENTIDE_DB_URL, for a --db URL written without one', async () => {
    const db = newPostgres();
    const password = new URL(db).password;
    const bare = new URL(db);
    bare.password = '';
    const out = mkdtempSync(join(tmpdir(), 'metering-secrets-'));
    const child = runScript(
      'metering/main.ts',
      ['--services', '5', '--days', '0.5', '--workers', '0', '--db', bare.toString(), '--out', out],
      { EVENTIDE_DB_URL: db },
    );
    const r = await finish(child);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/postgres:\/\/eventide:\*\*\*@127\.0\.0\.1:\d+\/secrets_/);
    expect(r.stdout + r.stderr).not.toContain(password);
    // and without it, the server refuses: the password did come from the environment
    const refused = await finish(
      runScript(
        'metering/main.ts',
        [
          '--services',
          '5',
          '--days',
          '0.5',
          '--workers',
          '0',
          '--db',
          bare.toString(),
          '--out',
          out,
          '--force',
        ],
        {
          EVENTIDE_DB_URL: '',
        },
      ),
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/password/);
  }, 120_000);
});
