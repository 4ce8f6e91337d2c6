import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  createFleet,
  csvHeader,
  fromCsvRecord,
  type MeterReading,
  READING_FIELDS,
  ReadingSchema,
  readingsToCsv,
  readingsToNdjson,
  registrationsToCsv,
} from '../src/index';
import { generate } from './helpers/rows';

const fleet = createFleet({ seed: 4, services: 30 });
const { rows, labels } = generate(fleet, {
  start: '2026-03-07T05:00:00Z',
  days: 2,
  faults: { malformed: 0.05 },
});
const malformedEnds = new Set(
  labels.filter((l) => l.type === 'malformed').map((l) => `${l.end}|${l.service_uid}`),
);
const byMeter = new Map(fleet.services.map((s) => [s.meterId, s.serviceId]));
const isMalformed = (r: MeterReading) =>
  malformedEnds.has(`${r.interval_end}|${byMeter.get(r.utility_meter_number)}`);

describe('ReadingSchema', () => {
  it('passes good rows and rejects each malformed variant, naming the field', () => {
    const good = rows.find((r) => !isMalformed(r))!;
    expect(ReadingSchema.safeParse(good).success).toBe(true);
    const cases: [Partial<Record<keyof MeterReading, unknown>>, string][] = [
      [{ interval_kWh: -0.2 }, 'interval_kWh'],
      [{ quantity: 'ERR' }, 'quantity'],
      [{ service_uid: undefined }, 'service_uid'],
      [{ interval_start: '2026-02-30T25:00:00Z' }, 'interval_start'],
      [{ interval_start: 'N/A' }, 'interval_start'],
      [{ commodity: 'steam' }, 'commodity'],
    ];
    for (const [patch, field] of cases) {
      const result = ReadingSchema.safeParse({ ...good, ...patch });
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(field);
    }
  });
});

describe('CSV and NDJSON', () => {
  it('CSV uses the UtilityAPI header and parses back (csv-parse) to the same rows', () => {
    const text = csvHeader(READING_FIELDS) + readingsToCsv(rows);
    expect(text.split('\n', 1)[0]).toBe(
      'interval_start,interval_end,interval_kWh,interval_kW,service_uid,source,updated,utility,utility_meter_number,utility_service_address,utility_service_id,utility_tariff_name,commodity,unit,quantity',
    );
    const records = parse(text, { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(rows.length);
    records.forEach((rec, i) => {
      const parsed = ReadingSchema.safeParse(fromCsvRecord(rec));
      expect(parsed.success).toBe(!isMalformed(rows[i]!));
      if (parsed.success) expect(parsed.data).toEqual(rows[i]);
    });
  });

  it('NDJSON holds the UtilityAPI fields (no interval_start_ms) and parses back', () => {
    const lines = readingsToNdjson(rows).trimEnd().split('\n');
    expect(lines).toHaveLength(rows.length);
    lines.forEach((line, i) => {
      const o = JSON.parse(line);
      expect('interval_start_ms' in o).toBe(false);
      if (!isMalformed(rows[i]!))
        expect({ ...o, interval_start_ms: Date.parse(o.interval_start) }).toEqual(rows[i]);
    });
  });

  it('registrations CSV quotes addresses with commas', () => {
    const text = registrationsToCsv(fleet.registrations());
    const records = parse(text, { columns: true }) as Record<string, string>[];
    expect(records).toEqual(fleet.registrations().map((r) => ({ ...r })));
    expect(text).toContain('"');
  });
});
