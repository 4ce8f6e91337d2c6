import type { Commodity } from './fleet';

/** kWh in one therm (100,000 BTU). */
export const KWH_PER_THERM = 29.3071;

/**
 * One interval reading, with UtilityAPI's interval field names.
 *
 * - `interval_kWh`: electricity: the kWh used in the interval; gas: the energy equivalent of the
 *   therms used (therms × 29.3071); water: 0 (water meters record no energy).
 * - `interval_kW`: average demand, `interval_kWh` ÷ interval hours (0 for water).
 * - `commodity`, `unit`, `quantity`: the native measurement: kWh, therm or gal. Every row carries
 *   them (for electricity `quantity` equals `interval_kWh`).
 * - `interval_start_ms`: `interval_start` as epoch milliseconds, for event time. Not written to files.
 * - Timestamps are UTC ISO 8601. `updated` is when the row was published (a revision has a newer one).
 */
export interface MeterReading {
  readonly interval_start: string;
  readonly interval_end: string;
  readonly interval_kWh: number;
  readonly interval_kW: number;
  readonly service_uid: string;
  readonly source: string;
  readonly updated: string;
  readonly utility: string;
  readonly utility_meter_number: string;
  readonly utility_service_address: string;
  readonly utility_service_id: string;
  readonly utility_tariff_name: string;
  readonly commodity: Commodity;
  readonly unit: 'kWh' | 'therm' | 'gal';
  readonly quantity: number;
  readonly interval_start_ms: number;
}

/** The file columns, in order (every `MeterReading` field except `interval_start_ms`). */
export const READING_FIELDS = [
  'interval_start',
  'interval_end',
  'interval_kWh',
  'interval_kW',
  'service_uid',
  'source',
  'updated',
  'utility',
  'utility_meter_number',
  'utility_service_address',
  'utility_service_id',
  'utility_tariff_name',
  'commodity',
  'unit',
  'quantity',
] as const satisfies readonly (keyof MeterReading)[];

/** Whether a label marks an anomaly of the meter or a fault of the delivery. */
export type LabelKind = 'anomaly' | 'fault';

/** Ground truth for one injected anomaly or delivery fault. */
export interface Label {
  readonly kind: LabelKind;
  /** An `AnomalyType`, a block fault, or a per-reading fault (`out-of-order`, `duplicate`, …). */
  readonly type: string;
  readonly service_uid: string;
  readonly commodity: Commodity;
  /** UTC ISO 8601; `end` is exclusive. */
  readonly start: string;
  readonly end: string;
  readonly start_ms: number;
  readonly end_ms: number;
  readonly parameters: Readonly<Record<string, number | string>>;
}

/** The columns of a labels file, in order. */
export const LABEL_FIELDS = [
  'kind',
  'type',
  'service_uid',
  'commodity',
  'start',
  'end',
  'parameters',
] as const;
