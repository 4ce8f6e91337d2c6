/**
 * `pnpm --filter @eventide/generator calibration`: prints what a seeded fleet measures against the
 * figures each calibration is meant to reproduce (the tests assert the same bounds).
 */
import { DateTime } from 'luxon';
import {
  createFleet,
  type MeterReading,
  type ReadingConfig,
  ReadingGenerator,
  type Service,
} from '../src/index';

const HOUR_MS = 3_600_000;
const local = new Map<number, DateTime>();
const at = (ms: number) => {
  const h = Math.floor(ms / HOUR_MS);
  let t = local.get(h);
  if (!t) local.set(h, (t = DateTime.fromMillis(h * HOUR_MS, { zone: 'America/New_York' })));
  return t;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[(s.length >> 1) - 1]! + s[s.length >> 1]!) / 2;
};

function each(
  config: ReadingConfig & { services: readonly Service[] },
  seed: number,
  fn: (r: MeterReading) => void,
) {
  const g = new ReadingGenerator(createFleet({ seed, premises: 1 }), config);
  for (let b = g.next(); b !== null; b = g.next()) for (const r of b) fn(r);
}

function households(seed: number, n: number, type: Service['type'], gas?: string) {
  const fleet = createFleet({ seed, premises: n * 4 });
  return fleet.services
    .filter((s) => s.type === type && s.premise.kind === 'household' && (!gas || s.premise.gas === gas))
    .slice(0, n);
}

function monthlyTotals(services: Service[], seed: number, config: Omit<ReadingConfig, 'services'>) {
  const totals = new Map<string, Map<string, number>>();
  each({ ...config, services }, seed, (r) => {
    const m = at(r.interval_start_ms).toFormat('yyyy-MM');
    const t = totals.get(r.service_uid) ?? new Map<string, number>();
    totals.set(r.service_uid, t.set(m, (t.get(m) ?? 0) + r.quantity));
  });
  return [...totals.values()];
}

const year = { start: '2025-01-01T05:00:00Z', end: '2026-01-01T05:00:00Z', intervalMinutes: 60 };
const fleet = createFleet({ seed: 20261128, premises: 20_000 });
const share = fleet.premises.filter((p) => p.kind === 'business').length / fleet.premises.length;
console.log(
  `business share, 20,000 premises:            ${(share * 100).toFixed(2)}%   (target 6.14% ± 0.5)`,
);

const nyc = monthlyTotals(households(11, 400, 'electricity'), 11, year);
const avg = nyc.map((m) => [...m.values()].reduce((a, b) => a + b, 0) / 12);
console.log(
  `nyc household kWh/month, median of 400:      ${median(avg).toFixed(0)}   (target ~330, Con Edison 300–350)`,
);
const perHour = new Array<number>(24).fill(0);
each({ ...year, end: '2025-02-01T05:00:00Z', services: households(11, 400, 'electricity') }, 11, (r) => {
  perHour[at(r.interval_start_ms).hour]! += r.quantity;
});
console.log(`nyc household peak hour (January, local):    ${perHour.indexOf(Math.max(...perHour))}:00`);

const seed = monthlyTotals(households(21, 200, 'electricity'), 21, { ...year, profile: 'seed' });
const seedAvg = seed.map((m) => [...m.values()].reduce((a, b) => a + b, 0) / 12);
const seedMax = Math.max(...seed.flatMap((m) => [...m.values()]));
console.log(
  `seed household kWh/month, mean / max month:  ${(seedAvg.reduce((a, b) => a + b, 0) / seedAvg.length).toFixed(0)} / ${seedMax.toFixed(0)}   (target 901 / ≤ 1273)`,
);

const gas = monthlyTotals(households(12, 200, 'gas', 'heating'), 12, {
  start: '2025-11-01T04:00:00Z',
  end: '2026-04-01T04:00:00Z',
  intervalMinutes: 60,
});
console.log(
  `heating gas therms/month Nov–Mar, median:    ${median(gas.map((m) => [...m.values()].reduce((a, b) => a + b, 0) / 5)).toFixed(1)}   (target 162–171)`,
);

const water = new Map<string, number>();
let zeros = 0;
let rows = 0;
each({ start: '2025-05-05T04:00:00Z', days: 28, services: households(13, 200, 'water') }, 13, (r) => {
  water.set(r.service_uid, (water.get(r.service_uid) ?? 0) + r.quantity);
  rows++;
  if (r.quantity === 0) zeros++;
});
console.log(
  `water gal/day, median of 200:                ${median([...water.values()].map((g) => g / 28)).toFixed(1)}   (target 150–175); ${((zeros / rows) * 100).toFixed(0)}% of 5-min intervals zero`,
);
