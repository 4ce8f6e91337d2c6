import type { Calibration } from './calibration';
import { Shapes } from './calibration';
import type { Service } from './fleet';
import type { LoadModel } from './load';
import type { LocalHour } from './local-time';
import { normal, Stream, unit } from './random';

/**
 * Consumption: the native quantity a service uses in one interval (kWh, therms or gallons), a pure
 * function of (seed, service key, interval index) and the calibration.
 *
 * expected = base per hour × interval hours × daily shape (local hour, weekday/weekend) × season;
 * a reading is the expected value times noise whose mean is 1 (interval texture plus appliance
 * bursts for electricity; Poisson-like draw events for water), capped where the calibration caps.
 */

export type ModelKind =
  | 'household-electricity'
  | 'business-electricity'
  | 'heating-gas'
  | 'cooking-gas'
  | 'water';

/** Per-service parameters, computed once per generator run. */
export interface ServiceModel {
  readonly kind: ModelKind;
  readonly business: boolean;
  /** Expected native units per hour before shape and season. */
  readonly perHour: number;
  /** Largest reading per interval (native units), `Infinity` for none. */
  readonly cap: number;
}

const AVERAGE_MONTH_HOURS = (365.25 / 12) * 24;

function lognormalScale(u1: number, u2: number, sigma: number): number {
  return Math.exp(sigma * normal(u1, u2));
}

/** Draws a service's scale and builds its model. */
export function serviceModel(
  seed: number,
  service: Service,
  cal: Calibration,
  intervalMinutes: number,
): ServiceModel {
  const u1 = unit(seed, Stream.serviceScale, service.key, 0);
  const u2 = unit(seed, Stream.serviceScale, service.key, 1);
  const business = service.premise.kind === 'business';
  const capPerInterval = (cal.capKWhPer5Min * intervalMinutes) / 5;
  switch (service.type) {
    case 'electricity': {
      if (business) {
        const monthly =
          cal.businessElectricity.median * lognormalScale(u1, u2, cal.businessElectricity.sigma);
        return {
          kind: 'business-electricity',
          business,
          perHour: monthly / AVERAGE_MONTH_HOURS,
          cap: capPerInterval * cal.businessCapMultiple,
        };
      }
      const d = cal.householdElectricity;
      const monthly =
        d.kind === 'lognormal' ? d.median * lognormalScale(u1, u2, d.sigma) : d.min + (d.max - d.min) * u1;
      return {
        kind: 'household-electricity',
        business,
        perHour: monthly / AVERAGE_MONTH_HOURS,
        cap: capPerInterval,
      };
    }
    case 'gas': {
      const heating = service.premise.gas === 'heating';
      // Businesses use several households' worth; the median household is the calibration's figure.
      const scale = lognormalScale(u1, u2, 0.35) * (business ? (heating ? 5 : 25) : 1);
      return {
        kind: heating ? 'heating-gas' : 'cooking-gas',
        business,
        perHour: scale,
        cap: Number.POSITIVE_INFINITY,
      };
    }
    case 'water': {
      // Median-one scale: the median household uses the calibration's gallons (the mean is 4.6% more).
      const scale = lognormalScale(u1, u2, 0.3) * (business ? 4 : 1);
      return { kind: 'water', business, perHour: scale, cap: Number.POSITIVE_INFINITY };
    }
    default: {
      const never: never = service.type;
      throw new Error(`unknown commodity ${String(never)}`);
    }
  }
}

function electricityShape(business: boolean, lh: LocalHour, cal: Calibration): number {
  const table = business
    ? lh.weekend
      ? Shapes.businessWeekend
      : Shapes.businessWeekday
    : lh.weekend
      ? Shapes.householdWeekend
      : Shapes.householdWeekday;
  const shape = 1 + cal.shapeAmplitude * (table[lh.hour]! - 1);
  const season = 1 + cal.seasonAmplitude * (Shapes.electricitySeason[lh.month]! - 1);
  return shape * season;
}

/** The expected quantity of one interval (no noise, no anomaly). */
export function expectedQuantity(
  m: ServiceModel,
  lh: LocalHour,
  cal: Calibration,
  intervalHours: number,
): number {
  switch (m.kind) {
    case 'household-electricity':
    case 'business-electricity':
      return m.perHour * intervalHours * electricityShape(m.business, lh, cal);
    case 'heating-gas': {
      const therms = cal.heatingThermsByMonth[lh.month]! / (lh.daysInMonth * 24);
      const shape = m.business
        ? (lh.weekend ? Shapes.businessWeekend : Shapes.businessWeekday)[lh.hour]!
        : Shapes.heating[lh.hour]!;
      return m.perHour * therms * intervalHours * shape;
    }
    case 'cooking-gas':
      return (
        ((m.perHour * cal.cookingThermsPerMonth) / AVERAGE_MONTH_HOURS) *
        intervalHours *
        Shapes.cooking[lh.hour]!
      );
    case 'water': {
      const events = m.business
        ? (lh.weekend ? Shapes.businessWeekend : Shapes.businessWeekday)[lh.hour]! *
          (Shapes.waterEventsPerDay / 24)
        : Shapes.waterEventsPerHour[lh.hour]!;
      const gallonsPerEvent = cal.waterGallonsPerDay / Shapes.waterEventsPerDay;
      return m.perHour * events * intervalHours * gallonsPerEvent;
    }
    default: {
      const never: never = m.kind;
      throw new Error(`unknown model ${String(never)}`);
    }
  }
}

/** One interval's quantity: the expected value with mean-one noise, capped. Never negative. */
export function sampleQuantity(
  seed: number,
  key: number,
  k: number,
  m: ServiceModel,
  lh: LocalHour,
  cal: Calibration,
  intervalHours: number,
): number {
  const expected = expectedQuantity(m, lh, cal, intervalHours);
  const u = unit(seed, Stream.texture, key, k);
  switch (m.kind) {
    case 'business-electricity':
      // Many small loads average out: a business's curve is smooth, without appliance bursts.
      return Math.min(expected * (1 + 0.3 * (2 * u - 1)), m.cap);
    case 'household-electricity': {
      const p = cal.burstProbability;
      let v = expected * (1 - p * cal.burstSize) * (1 + cal.textureSpread * (2 * u - 1));
      if (p > 0 && unit(seed, Stream.burst, key, k) < p)
        v += expected * cal.burstSize * 2 * unit(seed, Stream.burstSize, key, k);
      return Math.min(v, m.cap);
    }
    case 'heating-gas':
      return expected * (1 + 0.6 * (2 * u - 1));
    case 'cooking-gas':
      // A burner is on or off: cooking comes in events of about 0.05 therm, most intervals are 0.
      return events(seed, key, k, u, expected, COOKING_THERMS_PER_EVENT);
    case 'water':
      return events(seed, key, k, u, expected, cal.waterGallonsPerDay / Shapes.waterEventsPerDay);
    default: {
      const never: never = m.kind;
      throw new Error(`unknown model ${String(never)}`);
    }
  }
}

/**
 * Use that comes in events (taps, flushes, burners): they arrive as a Poisson process, so an
 * interval sees at least one with probability p = 1 − e^(−λ), λ = expected / event size. Scaling
 * the drawn amount by λ / p keeps the mean exact; most short intervals are 0.
 */
function events(
  seed: number,
  key: number,
  k: number,
  u: number,
  expected: number,
  eventSize: number,
): number {
  const lambda = expected / eventSize;
  const p = 1 - Math.exp(-lambda);
  if (u >= p) return 0;
  const z = normal(unit(seed, Stream.waterAmount, key, k), unit(seed, Stream.waterAmount2, key, k));
  const sigma = 0.8;
  return eventSize * (lambda / p) * Math.exp(sigma * z - (sigma * sigma) / 2);
}

const COOKING_THERMS_PER_EVENT = 0.05;

/** The interval's mean use with the daily shape flattened (what a "flattening" theft reports). */
export function flatQuantity(
  m: ServiceModel,
  lh: LocalHour,
  cal: Calibration,
  intervalHours: number,
): number {
  if (m.kind === 'household-electricity' || m.kind === 'business-electricity') {
    return m.perHour * intervalHours * (1 + cal.seasonAmplitude * (Shapes.electricitySeason[lh.month]! - 1));
  }
  return expectedQuantity(m, lh, cal, intervalHours);
}

/**
 * The `seed` calibration's model as a `LoadModel`: hourly shapes times mean-one noise, drawn per
 * interval of the run's grid (so, unlike the bottom-up model, its readings depend on the interval
 * length).
 */
export function shapesModel(
  seed: number,
  service: Service,
  cal: Calibration,
  intervalMs: number,
  clock: { at(ms: number): LocalHour },
): LoadModel {
  const m = serviceModel(seed, service, cal, intervalMs / 60_000);
  const hours = intervalMs / 3_600_000;
  return {
    limit: m.cap / intervalMs,
    quantity(a: number) {
      return sampleQuantity(seed, service.key, a / intervalMs, m, clock.at(a), cal, hours);
    },
    dayMean(t: number) {
      return flatQuantity(m, clock.at(t), cal, hours) / intervalMs;
    },
  };
}
