import { DataStream, WatermarkStrategy } from '@eventide/core';
import type { Registration } from '@eventide/generator';
import { describe, expect, it } from 'vitest';
import { theftAlerts } from './theft';
import type { Usage } from './usage';

// The theft detector on hand-made households: a steady week, one cut, one flattened, one away,
// and a day when everyone uses less. Expected alerts follow from theft.ts's rules by hand.

const I = 300_000;
const DAY = 86_400_000;
const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 5); // Monday 5 January 2026, midnight in New York
const DAYS = 5; // Monday to Friday: working days only

/** An ordinary home's 5-minute use at New York hour `h`: low at night, an evening peak. */
function ordinary(h: number, i: number, k: number): number {
  const base = h < 6 ? 0.02 : h >= 18 && h < 22 ? 0.15 : 0.05;
  return Number((base * (1 + 0.1 * (k % 7)) * (1 + 0.05 * ((i * 7) % 3))).toFixed(3));
}

function usage(service: string, ts: number, quantity: number, water = false): Usage {
  const hour = Math.floor((ts - T0) / H) % 24;
  return {
    service_uid: service,
    commodity: water ? 'water' : 'electricity',
    unit: water ? 'gal' : 'kWh',
    quantity,
    ts,
    zip: '10001',
    borough: 'Manhattan',
    hour,
    correction: false,
  };
}

function week(): Usage[] {
  const rows: Usage[] = [];
  for (let i = 0; i < (DAYS * DAY) / I; i++) {
    const ts = T0 + i * I;
    const day = Math.floor(i / 288);
    const h = Math.floor((ts - T0) / H) % 24;
    for (let k = 0; k < 10; k++) {
      let q = ordinary(h, i, k);
      if (day === 2) q = Number((q * 0.6).toFixed(3)); // Wednesday: everyone uses less
      if (k === 1 && day >= 3) q = Number((q * 0.4).toFixed(3)); // a cut from Thursday
      if (k === 2 && day >= 4) q = 0.07; // flattened from Friday: the day's mean, every interval
      if (k === 3 && day >= 3) q = 0.004; // away from Thursday: the refrigerator and standby
      // out much of Thursday: less electricity, and less water too
      const out = k === 4 && day === 3 ? 0.5 : 1;
      if (k === 4) q = Number((q * out).toFixed(3));
      rows.push(usage(`s${k}`, ts, q));
      // each home's water: a tap now and then while people are in
      const gallons =
        h >= 7 && h < 23 && i % 3 === k % 3 ? Number((1.5 * (1 + 0.1 * k) * out).toFixed(2)) : 0;
      rows.push(usage(`w${k}`, ts, gallons, true));
    }
  }
  return rows;
}

// Each home has an electricity meter s<k> and a water meter w<k> at one address.
const registry = new Map<string, Registration>();
for (let k = 0; k < 10; k++) {
  for (const m of ['s', 'w']) {
    registry.set(`${m}${k}`, {
      ServiceId: `${m}${k}`,
      PremiseKind: 'household',
      Name: `home ${k}`,
      ServiceAddress: `${k} Main St`,
    } as Registration);
  }
}

describe('theft alerts', () => {
  it('a cut and a flattening against the service’s own days and its peers; not a day everyone uses less, not an empty home, not a home whose water dropped too', async () => {
    const rows = week();
    const stream = DataStream.from(rows).assignTimestampsAndWatermarks(
      WatermarkStrategy.forMonotonousTimestamps<Usage>().withTimestampAssigner((u) => u.ts),
    );
    const alerts = await theftAlerts(stream, registry, I, T0 + DAYS * DAY).collect();
    expect(alerts.map((a) => [a.service_uid, a.at_ms, a.type]).sort()).toEqual(
      [
        // Thursday: use at 40% of its usual while the peers hold theirs
        ['s1', T0 + 4 * DAY - I, 'theft'],
        // Friday: the evening peak is gone (peak over mean 1, against about 2 before)
        ['s2', T0 + 5 * DAY - I, 'theft'],
      ].sort(),
    );
    expect(alerts.find((a) => a.service_uid === 's1')!.detail).toMatch(/use at 40% of its usual/);
    expect(alerts.find((a) => a.service_uid === 's2')!.detail).toMatch(/peaks at \d+% of its usual/);
  });
});
