/**
 * Calibrations: the figures a generated fleet is tuned to reproduce, and the daily and seasonal
 * shapes behind them. Shapes are hourly multipliers in America/New_York local time; each pair
 * (weekday, weekend) is normalised so that its mean over a week is 1, and seasonal factors so that
 * their mean over the months is 1, so the calibration's monthly figure is the yearly average.
 */

/** How household electricity scales are drawn (kWh in an average month of 30.44 days). */
export type ScaleDistribution =
  | { readonly kind: 'lognormal'; readonly median: number; readonly sigma: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number };

/** A calibration: `nyc` (New York City anchors) or `seed` (the original project's simple curves). */
export type ProfileName = 'nyc' | 'seed';

/**
 * Factors that bring the bottom-up appliance model onto a city's anchors (multiplying what the
 * appliances, people and weather give), and the household breaker.
 */
export interface BottomUpScales {
  readonly householdElectricity: number;
  readonly heatingGas: number;
  readonly cookingGas: number;
  readonly water: number;
  /** A household's service limit, kW (a 100 A, 120/208 V apartment service is about 20 kW). */
  readonly serviceLimitKW: number;
}

/** The figures and shapes of one calibration. */
export interface Calibration {
  readonly name: ProfileName;
  /**
   * When given, use comes from the bottom-up model (households of occupants and appliances,
   * businesses with opening hours, weather and holidays); without it, from the hourly shapes below.
   */
  readonly bottomUp?: BottomUpScales;
  /** Household electricity, kWh per average month. */
  readonly householdElectricity: ScaleDistribution;
  /** Business electricity, kWh per average month (lognormal). */
  readonly businessElectricity: { readonly median: number; readonly sigma: number };
  /** Hard cap on one household electricity reading, kWh per 5 minutes (scaled to the interval). */
  readonly capKWhPer5Min: number;
  /** Business meters are capped at this multiple of the household cap. */
  readonly businessCapMultiple: number;
  /** 1 = the full daily shape, 0 = flat. */
  readonly shapeAmplitude: number;
  /** 1 = the full seasonal swing (summer air conditioning), 0 = none. */
  readonly seasonAmplitude: number;
  /** Interval-to-interval noise: a reading is scaled by a uniform factor in 1 ± spread. */
  readonly textureSpread: number;
  /** Probability that an interval holds an appliance burst (oven, dryer, kettle…). */
  readonly burstProbability: number;
  /** Mean size of a burst, as a multiple of the interval's expected base use. */
  readonly burstSize: number;
  /** Heating-gas household therms per calendar month, January first. */
  readonly heatingThermsByMonth: readonly number[];
  /** Cooking-only gas, therms per average month. */
  readonly cookingThermsPerMonth: number;
  /** Household water, gallons per day. */
  readonly waterGallonsPerDay: number;
}

const weekdayHousehold = [
  0.62, 0.55, 0.52, 0.5, 0.5, 0.55, 0.75, 0.95, 0.9, 0.75, 0.7, 0.7, 0.72, 0.72, 0.75, 0.82, 0.95, 1.15, 1.45,
  1.6, 1.55, 1.4, 1.1, 0.8,
];
const weekendHousehold = [
  0.7, 0.62, 0.56, 0.53, 0.52, 0.53, 0.6, 0.75, 0.92, 1.0, 1.0, 0.98, 0.95, 0.92, 0.9, 0.92, 1.0, 1.15, 1.42,
  1.55, 1.5, 1.35, 1.1, 0.85,
];
const weekdayBusiness = [
  0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.45, 0.7, 1.2, 1.7, 1.85, 1.9, 1.85, 1.85, 1.85, 1.8, 1.7, 1.45, 1.0,
  0.7, 0.55, 0.45, 0.4, 0.37,
];
const weekendBusiness = [
  0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.5, 0.8, 1.0, 1.1, 1.1, 1.1, 1.1, 1.05, 1.0, 0.9, 0.75, 0.6, 0.5,
  0.45, 0.4, 0.37, 0.35,
];
const heatingShape = [
  0.8, 0.75, 0.75, 0.8, 0.95, 1.3, 1.5, 1.45, 1.2, 1.0, 0.9, 0.85, 0.85, 0.85, 0.9, 0.95, 1.05, 1.2, 1.3, 1.3,
  1.2, 1.1, 0.95, 0.85,
];
const cookingShape = [
  0.2, 0.2, 0.2, 0.2, 0.2, 0.4, 1.2, 1.6, 1.0, 0.6, 0.6, 1.2, 1.3, 0.7, 0.6, 0.9, 1.6, 2.4, 2.6, 1.8, 1.0,
  0.6, 0.4, 0.3,
];
/** Household water-use events per hour (toilet, tap, shower, laundry), before scaling. */
const waterEventsPerHour = [
  0.3, 0.2, 0.15, 0.15, 0.2, 0.6, 2.2, 3.2, 2.6, 1.6, 1.2, 1.1, 1.2, 1.0, 0.9, 1.0, 1.3, 1.8, 2.2, 2.1, 1.8,
  1.5, 1.0, 0.6,
];
/** Monthly electricity factors, January first: summer air conditioning, a smaller winter bump. */
const electricitySeason = [1.05, 1.0, 0.93, 0.87, 0.88, 1.05, 1.32, 1.3, 1.1, 0.88, 0.9, 1.02];

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Scales a weekday/weekend pair so that the week's mean is 1. */
function normaliseWeek(weekday: readonly number[], weekend: readonly number[]): [number[], number[]] {
  const m = (5 * mean(weekday) + 2 * mean(weekend)) / 7;
  return [weekday.map((x) => x / m), weekend.map((x) => x / m)];
}

function normalise(xs: readonly number[]): number[] {
  const m = mean(xs);
  return xs.map((x) => x / m);
}

/** Hourly shapes shared by every calibration (each indexed by local hour 0–23). */
export const Shapes = (() => {
  const [hWeekday, hWeekend] = normaliseWeek(weekdayHousehold, weekendHousehold);
  const [bWeekday, bWeekend] = normaliseWeek(weekdayBusiness, weekendBusiness);
  return Object.freeze({
    householdWeekday: hWeekday,
    householdWeekend: hWeekend,
    businessWeekday: bWeekday,
    businessWeekend: bWeekend,
    heating: normalise(heatingShape),
    cooking: normalise(cookingShape),
    waterEventsPerHour,
    waterEventsPerDay: waterEventsPerHour.reduce((a, b) => a + b, 0),
    electricitySeason: normalise(electricitySeason),
  });
})();

/** New York City figures (the default). */
export const NYC: Calibration = Object.freeze<Calibration>({
  name: 'nyc',
  // The appliance model gives about 245 kWh a month in winter and 115 gallons a day for the median
  // home; these factors stand for the loads and draws it does not itemise: electricity's multiplies
  // standby, lighting and plug loads (a second TV, a space heater…), water's every draw.
  bottomUp: Object.freeze({
    householdElectricity: 1.4,
    heatingGas: 1,
    cookingGas: 1,
    water: 1.3,
    serviceLimitKW: 20,
  }),
  // Con Edison's typical residential bill is 300–350 kWh a month; EIA puts NYC households near 330.
  // The scale's median is set 3% above 330 because the 0.5 kWh cap clips the largest households'
  // bursts: over 1,000 households the realised median is then about 330.
  householdElectricity: { kind: 'lognormal', median: 340, sigma: 0.5 },
  businessElectricity: { median: 2500, sigma: 1.0 },
  capKWhPer5Min: 0.5,
  businessCapMultiple: 40,
  shapeAmplitude: 1,
  seasonAmplitude: 1,
  textureSpread: 0.5,
  burstProbability: 0.03,
  burstSize: 8,
  // Heating households use 162–171 therms a month November to March (this table averages 163).
  heatingThermsByMonth: [200, 185, 150, 85, 40, 22, 18, 18, 22, 45, 110, 170],
  cookingThermsPerMonth: 4,
  // 150–175 gallons per household per day.
  waterGallonsPerDay: 162.5,
});

/**
 * The seed project's figures: 901 kWh a month on average, at most 1273, readings of 0–0.2 kWh per
 * 5 minutes. Scales are uniform on [572, 1230] kWh per average month (mean 901; 1230 in a 31-day
 * month is 1253, leaving room for noise below 1273), with a flattened daily shape and no seasons
 * so the 0.2 kWh cap rarely binds.
 */
export const SEED: Calibration = Object.freeze<Calibration>({
  name: 'seed',
  householdElectricity: { kind: 'uniform', min: 572, max: 1230 },
  businessElectricity: { median: 2500, sigma: 1.0 },
  capKWhPer5Min: 0.2,
  businessCapMultiple: 40,
  shapeAmplitude: 0.3,
  seasonAmplitude: 0,
  textureSpread: 0.15,
  burstProbability: 0,
  burstSize: 0,
  heatingThermsByMonth: [200, 185, 150, 85, 40, 22, 18, 18, 22, 45, 110, 170],
  cookingThermsPerMonth: 4,
  waterGallonsPerDay: 162.5,
});

/** The calibration for a profile name. */
export function calibration(name: ProfileName): Calibration {
  switch (name) {
    case 'nyc':
      return NYC;
    case 'seed':
      return SEED;
    default: {
      const never: never = name;
      throw new Error(`unknown profile ${String(never)}`);
    }
  }
}
