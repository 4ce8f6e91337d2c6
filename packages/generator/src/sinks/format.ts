import type { Registration } from '../model/fleet';
import { LABEL_FIELDS, type Label, type MeterReading, READING_FIELDS } from '../model/reading';

/**
 * Text formats for readings, labels and registrations: CSV (RFC 4180: a field is quoted when it
 * holds a comma, quote or line break) and NDJSON. Pure string functions, so they run anywhere; the
 * Node entry writes them to files.
 *
 * CSV is formatted here rather than with csv-stringify: on 15-column reading rows csv-stringify
 * ran at about 83,000 rows/s on this project's machines, this at several hundred thousand.
 */

const NEEDS_QUOTES = /[",\r\n]/;

function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A CSV header line (with its newline). */
export function csvHeader(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}

/** One CSV line (with its newline) of `row`'s `fields`; missing fields are empty cells. */
export function csvLine(row: object, fields: readonly string[]): string {
  const r = row as Record<string, unknown>;
  let line = csvField(r[fields[0]!]);
  for (let i = 1; i < fields.length; i++) line += `,${csvField(r[fields[i]!])}`;
  return `${line}\n`;
}

/** The seven columns after `updated` but `quantity` are fixed per service: formatted once each. */
const serviceColumns = new Map<string, string>();
const SERVICE_FIELDS = READING_FIELDS.slice(7, 14);

function serviceSuffix(r: MeterReading): string {
  const key = `${r.utility_meter_number}|${r.commodity}|${r.utility_tariff_name}|${r.utility_service_id}`;
  let s = serviceColumns.get(key);
  if (s === undefined) {
    if (serviceColumns.size > 200_000) serviceColumns.clear();
    s = SERVICE_FIELDS.map((f) => csvField(r[f])).join(',');
    serviceColumns.set(key, s);
  }
  return s;
}

/** Readings as CSV lines (no header), UtilityAPI columns. */
export function readingsToCsv(rows: readonly MeterReading[]): string {
  let out = '';
  for (const r of rows) {
    // Well-formed rows take the fast path; malformed ones (any field missing or mistyped) the general one.
    if (
      typeof r.interval_kWh === 'number' &&
      typeof r.quantity === 'number' &&
      typeof r.service_uid === 'string'
    ) {
      out += `${csvField(r.interval_start)},${csvField(r.interval_end)},${r.interval_kWh},${r.interval_kW},${r.service_uid},${csvField(r.source)},${csvField(r.updated)},${serviceSuffix(r)},${r.quantity}\n`;
    } else out += csvLine(r, READING_FIELDS);
  }
  return out;
}

/** Readings as NDJSON lines, UtilityAPI fields only (no `interval_start_ms`). */
export function readingsToNdjson(rows: readonly MeterReading[]): string {
  let out = '';
  for (const r of rows) {
    const o: Record<string, unknown> = {};
    for (const f of READING_FIELDS) if (f in r) o[f] = (r as unknown as Record<string, unknown>)[f];
    out += `${JSON.stringify(o)}\n`;
  }
  return out;
}

/** The columns of a registrations file, in order. */
export const REGISTRATION_FIELDS = [
  'ServiceId',
  'ServiceZipcode',
  'Name',
  'Type',
  'ServiceMeterId',
  'ServiceAddress',
  'Borough',
  'Neighbourhood',
  'PremiseKind',
  'Utility',
  'TariffName',
] as const satisfies readonly (keyof Registration)[];

/** Registrations as a whole CSV document (header included). */
export function registrationsToCsv(registrations: readonly Registration[]): string {
  let out = csvHeader(REGISTRATION_FIELDS);
  for (const r of registrations) out += csvLine(r, REGISTRATION_FIELDS);
  return out;
}

/** Registrations as NDJSON, one object per line. */
export function registrationsToNdjson(registrations: readonly Registration[]): string {
  let out = '';
  for (const r of registrations) out += `${JSON.stringify(r)}\n`;
  return out;
}

/** Labels as CSV lines (no header); `parameters` is a JSON cell. */
export function labelsToCsv(labels: readonly Label[]): string {
  let out = '';
  for (const l of labels) out += csvLine(l, LABEL_FIELDS);
  return out;
}

/** Labels as NDJSON lines. */
export function labelsToNdjson(labels: readonly Label[]): string {
  let out = '';
  for (const l of labels) out += `${JSON.stringify(l)}\n`;
  return out;
}
