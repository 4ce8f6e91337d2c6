import { describe, expect, it } from 'vitest';
import type { Alert } from './alert';
import { runMeteringParallel } from './parallel';
import { runMetering } from './pipeline';
import type { DailyUse, HourlyTotal } from './rollups';

const key = (d: DailyUse) => `${d.service_uid}|${d.date}`;

describe('metering job on worker threads', () => {
  it('gives the same daily use, hourly totals, alerts and counts as one thread', async () => {
    const options = { services: 90, days: 2, seed: 4, start: '2026-01-05T05:00:00Z', faults: false } as const;
    const collect = () => {
      const out = { daily: [] as DailyUse[], zip: new Map<string, HourlyTotal>(), alerts: [] as Alert[] };
      return {
        out,
        sinks: {
          dailyUse: (d: DailyUse) => out.daily.push(d),
          hourlyZip: (t: HourlyTotal) => out.zip.set(`${t.area}|${t.commodity}|${t.hour_start}`, t),
          alert: (a: Alert) => out.alerts.push(a),
        },
      };
    };
    const one = collect();
    const two = collect();
    const a = await runMetering(options, one.sinks);
    const b = await runMeteringParallel(options, 2, two.sinks);
    expect(two.out.daily.sort((x, y) => key(x).localeCompare(key(y)))).toEqual(
      one.out.daily.sort((x, y) => key(x).localeCompare(key(y))),
    );
    expect(new Map([...two.out.zip].sort())).toEqual(new Map([...one.out.zip].sort()));
    const byAlert = (x: Alert) => `${x.type}|${x.service_uid}|${x.at}`;
    expect(two.out.alerts.map(byAlert).sort()).toEqual(one.out.alerts.map(byAlert).sort());
    expect({ ...b, seconds: 0 }).toEqual({ ...a, seconds: 0 });
  });
});
