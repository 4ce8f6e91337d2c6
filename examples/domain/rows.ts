import type { InvalidRecord } from '@eventide/core';
import type { Usage } from './usage';

/** How records become output rows, the same in the files and the database. */

/** An invalid record as an output row: a one-line reason, the operator, the record as JSON. */
export interface InvalidRow {
  readonly reason: string;
  readonly operator: string;
  readonly row: string;
}

export function invalidRow(r: InvalidRecord<unknown>): InvalidRow {
  return { reason: oneLine(r.reason), operator: r.operator, row: JSON.stringify(r.value) };
}

/** zod's reasons are pretty-printed JSON over several lines: one line, collapsed whitespace. */
function oneLine(reason: string): string {
  try {
    const issues = JSON.parse(reason) as { path?: unknown[]; message?: string }[];
    if (Array.isArray(issues)) {
      return issues.map((i) => `${(i.path ?? []).join('.') || 'row'}: ${i.message ?? 'invalid'}`).join('; ');
    }
  } catch {
    // not JSON: collapse it below
  }
  return reason.replace(/\s+/g, ' ').trim();
}

/** A late reading as a row: times in ISO-8601 UTC like every other file. */
export function lateRow(u: Usage): Record<string, unknown> {
  return {
    service_uid: u.service_uid,
    commodity: u.commodity,
    unit: u.unit,
    quantity: u.quantity,
    ts: new Date(u.ts).toISOString(),
    zip: u.zip,
    borough: u.borough,
    correction: u.correction,
  };
}
