import type { MeterReading } from './reading';

/** Rows broken the way a faulty head-end breaks them. */

/** How a malformed row is broken. */
export type MalformedVariant = 'negative' | 'non-numeric' | 'missing-field' | 'bad-timestamp';
export const MALFORMED_VARIANTS: readonly MalformedVariant[] = [
  'negative',
  'non-numeric',
  'missing-field',
  'bad-timestamp',
];
const BAD_TIMESTAMPS = ['2026-02-30T25:00:00Z', 'N/A', '13/45/2026 10:00'];

/** Corrupts a row the way a faulty head-end does; the result fails the reading schema. */
export function malform(row: MeterReading, variant: MalformedVariant, u: number): MeterReading {
  switch (variant) {
    case 'negative':
      return {
        ...row,
        interval_kWh: -Math.abs(row.interval_kWh) - 0.001,
        quantity: -Math.abs(row.quantity) - 0.001,
      };
    case 'non-numeric':
      return { ...row, interval_kWh: 'ERR' as unknown as number, quantity: 'ERR' as unknown as number };
    case 'missing-field': {
      const { service_uid: _dropped, ...rest } = row;
      return rest as MeterReading;
    }
    case 'bad-timestamp':
      return {
        ...row,
        interval_start: BAD_TIMESTAMPS[Math.floor(u * BAD_TIMESTAMPS.length)]!,
        interval_start_ms: Number.NaN,
      };
    default: {
      const never: never = variant;
      throw new Error(`unknown variant ${String(never)}`);
    }
  }
}
