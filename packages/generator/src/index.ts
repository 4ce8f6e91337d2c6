// @eventide/generator: seeded, realistic New York City smart-meter readings.

// Fleet: premises, services, registrations
export { type Borough, NYC_ZIP_CODES, type ZipCode } from './data/nyc-zips';
export { GeneratorConfigError } from './errors';
// Calibrations
export {
  type BottomUpScales,
  type Calibration,
  calibration,
  NYC,
  type ProfileName,
  type ScaleDistribution,
  SEED,
} from './model/calibration';
// Readings
export {
  DEFAULT_FAULTS,
  FAULT_RATES,
  type FaultConfig,
  NO_FAULTS,
  type ReadingConfig,
  type ResolvedReadingConfig,
  resolveReadingConfig,
} from './model/config';
// Anomalies and delivery faults
export {
  ANOMALY_TYPES,
  type AnomalyConfig,
  type AnomalyType,
  DEFAULT_ANOMALIES,
  DEFAULT_ANOMALY_RATES,
} from './model/episodes';
export type { MalformedVariant } from './model/faults';
export {
  BUSINESS_SHARE,
  type Commodity,
  createFleet,
  Fleet,
  type FleetConfig,
  type GasUse,
  type Premise,
  type PremiseKind,
  premiseKey,
  type Registration,
  registrationOf,
  type Service,
} from './model/fleet';
export { ReadingGenerator } from './model/generator';
export { type HolidayKind, holidaysOf, NEW_YORK } from './model/local-time';
export {
  KWH_PER_THERM,
  LABEL_FIELDS,
  type Label,
  type LabelKind,
  type MeterReading,
  READING_FIELDS,
} from './model/reading';
export { Weather } from './model/weather';
// Validation
export { fromCsvRecord, ReadingSchema } from './schema';
// Text formats
export {
  csvHeader,
  csvLine,
  labelsToCsv,
  labelsToNdjson,
  REGISTRATION_FIELDS,
  readingsToCsv,
  readingsToNdjson,
  registrationsToCsv,
  registrationsToNdjson,
} from './sinks/format';
// Sources
export { type Pacing, ReadingRun, type RunOptions, readings } from './sources/run';
