import {
  type Business,
  type BusinessDay,
  businessElectricityHour,
  businessGasHour,
  businessOf,
  businessWaterHour,
  planBusinessDay,
} from './business';
import type { Calibration } from './calibration';
import type { Service } from './fleet';
import {
  type DayPlan,
  type Household,
  householdElectricityHour,
  householdHeatingHour,
  householdOf,
  planDay,
  presence,
  within,
} from './household';
import { HOUR_MS, type LoadModel, Segments } from './load';
import type { LocalClock, LocalHour } from './local-time';
import type { Weather } from './weather';

/** Builds the load model of a service (the `nyc` calibration). */
export function bottomUpModel(
  seed: number,
  service: Service,
  cal: Calibration,
  clock: LocalClock,
  weather: Weather,
): LoadModel {
  if (service.premise.kind === 'household') {
    const unitemised = (cal.bottomUp ?? NO_SCALING).householdElectricity;
    return new HouseholdLoad(
      seed,
      householdOf(seed, service.premise, unitemised),
      service,
      cal,
      clock,
      weather,
    );
  }
  const b = businessOf(seed, service.premise, cal.businessElectricity.median, cal.businessElectricity.sigma);
  return new BusinessLoad(seed, b, service, cal, clock, weather);
}

/** The plans of a local day's segments, and what one hour of the service needs. */
abstract class DayLoad<P extends { readonly dayIndex: number }> implements LoadModel {
  protected prev: P | undefined;
  protected cur: P | undefined;
  private hour = Number.NaN;
  private meanDay = Number.NaN;
  private mean = 0;
  abstract readonly limit: number;

  constructor(
    protected readonly clock: LocalClock,
    protected readonly weather: Weather,
    protected readonly scale: number,
  ) {}

  protected abstract plan(lh: LocalHour): P;
  /** Called when a day is entered: join what the day before leaves running with the day's own. */
  protected abstract enterDay(): void;
  /** Called when an hour is entered (`mid`: its middle): cache what its steady part depends on. */
  protected abstract enterHour(mid: number): void;
  /** The steady and cycling use over `[a, b)` inside the entered hour. */
  protected abstract steady(a: number, b: number): number;
  /** The segments' use over `[a, b)` inside the entered hour. */
  protected abstract segments(a: number, b: number): number;

  private enter(t: number): void {
    const hour = Math.floor(t / HOUR_MS);
    if (hour === this.hour) return;
    this.hour = hour;
    const lh = this.clock.at(t);
    const day = lh.dayIndex;
    if (this.cur?.dayIndex !== day) {
      this.prev = this.cur?.dayIndex === day - 1 ? this.cur : this.plan(this.clock.at(lh.dayStart - 1));
      this.cur = this.plan(lh);
      this.enterDay();
    }
    this.enterHour(hour * HOUR_MS + HOUR_MS / 2);
  }

  quantity(a: number, b: number): number {
    let sum = 0;
    const end = (Math.floor(a / HOUR_MS) + 1) * HOUR_MS;
    if (b <= end) {
      // Inside one hour (every interval up to an hour long: the common case).
      this.enter(a);
      sum = this.steady(a, b) + this.segments(a, b);
    } else
      for (let t = a; t < b; ) {
        const next = Math.min(b, (Math.floor(t / HOUR_MS) + 1) * HOUR_MS);
        this.enter(t);
        sum += this.steady(t, next) + this.segments(t, next);
        t = next;
      }
    const q = sum * this.scale;
    const most = this.limit * (b - a);
    return Math.min(q, most);
  }

  dayMean(t: number): number {
    const lh = this.clock.at(t);
    if (lh.dayIndex !== this.meanDay) {
      const end = this.clock.at(lh.dayStart + 25 * HOUR_MS).dayStart;
      this.mean = this.quantity(lh.dayStart, end) / (end - lh.dayStart);
      this.meanDay = lh.dayIndex;
    }
    return this.mean;
  }
}

const NO_SCALING = { householdElectricity: 1, heatingGas: 1, cookingGas: 1, water: 1, serviceLimitKW: 20 };

/** Calibration factors that bring the appliance model onto the city's anchors (see calibration.ts). */
function scaleOf(cal: Calibration, service: Service): number {
  const s = cal.bottomUp ?? NO_SCALING;
  switch (service.type) {
    case 'electricity':
      return 1; // applied to the loads the model does not itemise (Household.scale)
    case 'gas':
      return service.premise.gas === 'heating' ? s.heatingGas : s.cookingGas;
    default:
      return s.water;
  }
}

class HouseholdLoad extends DayLoad<DayPlan> {
  readonly limit: number;
  constructor(
    private readonly seed: number,
    private readonly h: Household,
    private readonly service: Service,
    cal: Calibration,
    clock: LocalClock,
    weather: Weather,
  ) {
    super(clock, weather, scaleOf(cal, service));
    this.kind = service.type;
    // A 100 A, 120/208 V apartment service: about 20 kW; gas and water meters have no breaker.
    this.limit =
      service.type === 'electricity'
        ? (cal.bottomUp ?? NO_SCALING).serviceLimitKW / HOUR_MS
        : Number.POSITIVE_INFINITY;
  }

  protected plan(lh: LocalHour): DayPlan {
    return planDay(this.seed, this.h, lh, this.service.type);
  }

  private temperature = 0;
  private where: 'active' | 'asleep' | 'away' = 'asleep';
  private readonly kind: 'electricity' | 'gas' | 'water';

  protected enterHour(mid: number): void {
    this.temperature = this.weather.at(mid);
    const plans = [this.prev, this.cur];
    this.where = presence(plans, mid);
  }

  protected steady(a: number, b: number): number {
    switch (this.kind) {
      case 'electricity':
        return householdElectricityHour(this.h, a, b, this.temperature, this.where);
      case 'gas': {
        const pilot = this.h.vacant ? 0 : (this.h.pilotTherms * (b - a)) / HOUR_MS;
        if (this.h.gas !== 'heating') return pilot;
        return pilot + householdHeatingHour(this.h, a, b, this.temperature, this.where);
      }
      default:
        return 0;
    }
  }

  private running = new Segments();

  protected enterDay(): void {
    const cur = this.cur as DayPlan;
    this.running = Segments.join((this.prev as DayPlan)[this.kind], cur[this.kind], cur.start);
  }

  protected segments(a: number, b: number): number {
    return this.running.energy(a, b);
  }
}

class BusinessLoad extends DayLoad<BusinessDay> {
  readonly limit: number;
  constructor(
    private readonly seed: number,
    private readonly b: Business,
    private readonly service: Service,
    cal: Calibration,
    clock: LocalClock,
    weather: Weather,
  ) {
    super(clock, weather, service.type === 'electricity' ? 1 : scaleOf(cal, service));
    this.limit =
      service.type === 'electricity' ? Math.max(50, 8 * b.meanKW) / HOUR_MS : Number.POSITIVE_INFINITY;
  }

  protected plan(lh: LocalHour): BusinessDay {
    return planBusinessDay(this.seed, this.b, lh);
  }

  private temperature = 0;
  private open = false;

  protected enterHour(mid: number): void {
    this.temperature = this.weather.at(mid);
    this.open = within((this.cur as BusinessDay).open, mid);
  }

  protected steady(a: number, end: number): number {
    switch (this.service.type) {
      case 'electricity':
        return businessElectricityHour(this.b, a, end, this.temperature, this.open);
      case 'gas':
        return businessGasHour(this.b, a, end, this.temperature, this.open);
      default:
        return businessWaterHour(this.b, a, end, this.open);
    }
  }

  private running = new Segments();

  protected enterDay(): void {
    const kind = this.service.type;
    const cur = this.cur as BusinessDay;
    this.running = Segments.join((this.prev as BusinessDay)[kind], cur[kind], cur.start);
  }

  protected segments(a: number, b: number): number {
    return this.running.energy(a, b);
  }
}
