import { en, en_US, Faker, type Randomizer } from '@faker-js/faker';
import { v4 as uuidv4 } from 'uuid';
import { type Borough, NYC_ZIP_CODES, type ZipCode } from '../data/nyc-zips';
import { GeneratorConfigError } from '../errors';
import { bytes16, hash32, pickCumulative, Stream, unit } from './random';

/**
 * The fleet: premises and their services, a pure function of (seed, premise index). Premise `i`
 * is the same whatever the fleet size, so a larger fleet extends a smaller one.
 */

export type Commodity = 'electricity' | 'gas' | 'water';
/** Whether a premise is a household or a business. */
export type PremiseKind = 'household' | 'business';
/** What a premise uses gas for, if it has a gas service. */
export type GasUse = 'heating' | 'cooking' | 'none';

/** Business establishments vs households in New York City: 536,890 / (536,890 + 8,206,739). */
export const BUSINESS_SHARE = 536_890 / (536_890 + 8_206_739);

/** One premise (a household or a business) at a New York City address. */
export interface Premise {
  readonly index: number;
  readonly kind: PremiseKind;
  readonly zip: ZipCode;
  readonly name: string;
  /** Street line, e.g. `"4821 Maple Ave Apt 3"`. */
  readonly street: string;
  readonly gas: GasUse;
  /** A uniform draw for the premise's size within its kind (used for tariff classes). */
  readonly size: number;
}

/** One metered service of a premise. */
export interface Service {
  /** Stable key of the service: `premise.index * 3 + commodity code`; every draw for it uses this. */
  readonly key: number;
  readonly premise: Premise;
  readonly type: Commodity;
  /** `ServiceId` / `service_uid`: a UUID. */
  readonly serviceId: string;
  /** `ServiceMeterId` / `utility_meter_number`. */
  readonly meterId: string;
  /** `utility_service_id`: the utility's account number. */
  readonly accountId: string;
  readonly utility: string;
  readonly tariff: string;
  /** `utility_service_address`: street, city, state and ZIP. */
  readonly address: string;
}

/** A registration row, one per service. */
export interface Registration {
  readonly ServiceId: string;
  readonly ServiceZipcode: string;
  readonly Name: string;
  readonly Type: Commodity;
  readonly ServiceMeterId: string;
  readonly ServiceAddress: string;
  readonly Borough: Borough;
  readonly Neighbourhood: string;
  readonly PremiseKind: PremiseKind;
  readonly Utility: string;
  readonly TariffName: string;
}

/** The seed and size of a fleet. */
export interface FleetConfig {
  /** Any integer; the same seed gives the same fleet. */
  readonly seed: number;
  /** Number of premises (each has 1–3 services). */
  readonly premises?: number;
  /** Number of services; premises are added until there are this many (the last may be cut short). */
  readonly services?: number;
}

const COMMODITY_CODE: Record<Commodity, number> = { electricity: 0, gas: 1, water: 2 };

const CUMULATIVE_HOUSEHOLDS: number[] = [];
const CUMULATIVE_BUSINESSES: number[] = [];
{
  let h = 0;
  let b = 0;
  for (const z of NYC_ZIP_CODES) {
    h += z.population;
    b += z.population * z.businessFactor;
    CUMULATIVE_HOUSEHOLDS.push(h);
    CUMULATIVE_BUSINESSES.push(b);
  }
}

/**
 * Con Edison distributes gas in Manhattan, the Bronx and northern and western Queens; National Grid
 * in Brooklyn, Staten Island and the rest of Queens (drawn here at UHF-neighbourhood level).
 */
const CON_ED_GAS_QUEENS = new Set([
  'Long Island City - Astoria',
  'West Queens',
  'Flushing - Clearview',
  'Bayside - Little Neck',
]);

function gasUtility(zip: ZipCode): 'Con Edison' | 'National Grid' {
  if (zip.borough === 'Manhattan' || zip.borough === 'Bronx') return 'Con Edison';
  if (zip.borough === 'Queens' && CON_ED_GAS_QUEENS.has(zip.neighbourhood)) return 'Con Edison';
  return 'National Grid';
}

function tariffOf(type: Commodity, premise: Premise, utility: string): string {
  switch (type) {
    case 'electricity':
      // Con Edison: EL1 residential, EL2 small general service, EL9 large general service.
      if (premise.kind === 'household') return 'EL1';
      return premise.size > 0.9 ? 'EL9' : 'EL2';
    case 'gas':
      if (utility === 'Con Edison') {
        // Con Edison gas: SC1 residential non-heating, SC3 residential heating, SC2 general service.
        if (premise.kind === 'business') return 'SC2';
        return premise.gas === 'heating' ? 'SC3' : 'SC1';
      }
      // National Grid (Brooklyn Union): SC 1A residential non-heating, SC 1B heating, SC 2 general.
      if (premise.kind === 'business') return 'SC 2';
      return premise.gas === 'heating' ? 'SC 1B' : 'SC 1A';
    case 'water':
      return 'NYC Water Board Metered';
    default: {
      const never: never = type;
      throw new Error(`unknown commodity ${String(never)}`);
    }
  }
}

const POSTAL_CITY: Record<Borough, string> = {
  Manhattan: 'New York',
  Bronx: 'Bronx',
  Brooklyn: 'Brooklyn',
  Queens: 'Queens',
  'Staten Island': 'Staten Island',
};

/**
 * Faker's randomness from the counter-based hash: reseeding it is free, where reseeding Faker's
 * default Mersenne Twister costs about 50 µs (most of a premise's build time).
 */
class HashRandomizer implements Randomizer {
  private state = 0;
  private counter = 0;

  next(): number {
    return unit(this.state, Stream.premiseFaker, this.counter++, 0);
  }

  seed(seed: number | number[]): void {
    this.state = typeof seed === 'number' ? seed : (seed[0] ?? 0);
    this.counter = 0;
  }
}

/** Builds premises one at a time; Faker is reseeded per premise to keep each a pure function. */
class PremiseFactory {
  private readonly faker = new Faker({ locale: [en_US, en], randomizer: new HashRandomizer() });

  constructor(private readonly seed: number) {}

  premise(index: number): Premise {
    const { seed, faker } = this;
    const kind: PremiseKind =
      unit(seed, Stream.premiseKind, index, 0) < BUSINESS_SHARE ? 'business' : 'household';
    const zipIndex = pickCumulative(
      kind === 'business' ? CUMULATIVE_BUSINESSES : CUMULATIVE_HOUSEHOLDS,
      unit(seed, Stream.premiseZip, index, 0),
    );
    const zip = NYC_ZIP_CODES[zipIndex]!;
    const g = unit(seed, Stream.premiseGas, index, 0);
    // Households: 35% heat with their own gas service, 45% cook with gas only, 20% all-electric.
    // Businesses: 25% heating gas, 20% cooking gas (restaurants), the rest none.
    const gas: GasUse =
      kind === 'household'
        ? g < 0.35
          ? 'heating'
          : g < 0.8
            ? 'cooking'
            : 'none'
        : g < 0.25
          ? 'heating'
          : g < 0.45
            ? 'cooking'
            : 'none';
    faker.seed(hash32(seed, Stream.premiseFaker, index, 0));
    const name = kind === 'business' ? faker.company.name() : faker.person.fullName();
    let street = `${faker.location.buildingNumber()} ${faker.location.street()}`;
    if (kind === 'household' && faker.number.float() < 0.7)
      street += ` Apt ${faker.number.int({ min: 1, max: 24 })}${faker.helpers.arrayElement(['A', 'B', 'C', 'D', 'E', 'F'])}`;
    return Object.freeze({
      index,
      kind,
      zip,
      name,
      street,
      gas,
      size: unit(seed, Stream.premiseKind, index, 1),
    });
  }

  services(premise: Premise): Service[] {
    const types: Commodity[] =
      premise.gas === 'none' ? ['electricity', 'water'] : ['electricity', 'gas', 'water'];
    return types.map((type) => this.service(premise, type));
  }

  private service(premise: Premise, type: Commodity): Service {
    const { seed } = this;
    const key = premise.index * 3 + COMMODITY_CODE[type];
    const utility =
      type === 'electricity' ? 'Con Edison' : type === 'gas' ? gasUtility(premise.zip) : 'NYC DEP';
    // Multiplying by an odd constant is a bijection on 32-bit integers: meter numbers are unique.
    const meter = (Math.imul(key + 1, 0x9e3779b1) ^ hash32(seed, Stream.serviceMeter, 0, 0)) >>> 0;
    const account =
      String(hash32(seed, Stream.serviceAccount, key, 0) % 100_000_000).padStart(8, '0') +
      String(hash32(seed, Stream.serviceAccount, key, 1) % 10_000_000).padStart(7, '0');
    const z = premise.zip;
    return Object.freeze({
      key,
      premise,
      type,
      serviceId: uuidv4({ random: bytes16(seed, Stream.serviceId, key) }),
      meterId: String(meter).padStart(10, '0'),
      accountId: account,
      utility,
      tariff: tariffOf(type, premise, utility),
      address: `${premise.street}, ${POSTAL_CITY[z.borough]}, NY ${z.zip}`,
    });
  }
}

/** A fleet of premises and their services, built from a seed. */
export class Fleet {
  constructor(
    readonly seed: number,
    readonly premises: readonly Premise[],
    readonly services: readonly Service[],
  ) {}

  /** One registration per service, in service order. */
  registrations(): Registration[] {
    return this.services.map(registrationOf);
  }

  /** The services whose `type` is one of `types`. */
  ofType(...types: Commodity[]): Service[] {
    return this.services.filter((s) => types.includes(s.type));
  }
}

/** A service's registration row (`ServiceId`, ZIP, meter, address, borough, tariff…). */
export function registrationOf(s: Service): Registration {
  const p = s.premise;
  return {
    ServiceId: s.serviceId,
    ServiceZipcode: p.zip.zip,
    Name: p.name,
    Type: s.type,
    ServiceMeterId: s.meterId,
    ServiceAddress: s.address,
    Borough: p.zip.borough,
    Neighbourhood: p.zip.neighbourhood,
    PremiseKind: p.kind,
    Utility: s.utility,
    TariffName: s.tariff,
  };
}

/**
 * The premise a registration belongs to, as text: its name and address, which its meters share.
 * Partition by it (key groups, stream partitions) to keep a premise's meters together.
 */
export function premiseKey(r: Pick<Registration, 'Name' | 'ServiceAddress'>): string {
  return `${r.Name}|${r.ServiceAddress}`;
}

/**
 * Builds a fleet of New York City premises and services from a seed.
 * @example
 * const fleet = createFleet({ seed: 42, services: 3000 });
 * fleet.registrations()[0]; // { ServiceId: '…', ServiceZipcode: '11226', Type: 'electricity', … }
 */
export function createFleet(config: FleetConfig): Fleet {
  const { seed, premises, services } = config;
  if (!Number.isInteger(seed))
    throw new GeneratorConfigError(`createFleet: seed must be an integer, got ${seed}`);
  if ((premises === undefined) === (services === undefined)) {
    throw new GeneratorConfigError('createFleet: give exactly one of premises or services');
  }
  const limit = premises ?? services ?? 0;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new GeneratorConfigError(
      `createFleet: ${premises !== undefined ? 'premises' : 'services'} must be a non-negative integer, got ${limit}`,
    );
  }
  const factory = new PremiseFactory(seed);
  const ps: Premise[] = [];
  const ss: Service[] = [];
  for (let i = 0; premises !== undefined ? i < premises : ss.length < limit; i++) {
    const p = factory.premise(i);
    ps.push(p);
    for (const s of factory.services(p)) {
      if (services !== undefined && ss.length >= services) break;
      ss.push(s);
    }
  }
  return new Fleet(seed, ps, ss);
}
