import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createDatabase } from '../../../scripts/postgres-server';
import { openDatabase, type SqlDatabase } from '../src/index';

/** Both databases the sinks support: a temporary SQLite file, and a new database on the suite's PostgreSQL. */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type DialectName = (typeof DIALECTS)[number];

let made = 0;

/** Where a new, empty database of that kind is (a path or a URL). */
export function newDatabase(dialect: DialectName): string {
  const name = `t_${process.pid}_${Date.now().toString(36)}_${made++}`;
  if (dialect === 'sqlite') return join(mkdtempSync(join(tmpdir(), 'eventide-sql-')), `${name}.db`);
  return createDatabase(inject('postgresUrl'), name);
}

export async function openNew(dialect: DialectName): Promise<{ db: SqlDatabase; where: string }> {
  const where = newDatabase(dialect);
  return { db: await openDatabase(where), where };
}
