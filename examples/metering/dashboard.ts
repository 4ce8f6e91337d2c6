// The metering job's live view: the city's ZIP codes on a map of the five boroughs, hourly use
// per borough, the alert feed, the pipeline's health, and a page per service.
import {
  type AlertItem,
  type CustomerPage,
  type Dashboard,
  randomToken,
  serveDashboard,
  usCounties,
  usZipCentroids,
} from '@eventide/dashboard';
import { NEW_YORK, NYC_ZIP_CODES } from '@eventide/generator';
import { map } from 'rxjs';
import type { Alert } from '../domain/alert';
import type { DailyUse } from '../domain/rollups';
import { MeteringStore } from '../domain/store';
import type { MeteringLive } from './pipeline';

/** The five boroughs are New York State's counties 005, 047, 061, 081 and 085. */
const BOROUGHS = {
  '36005': 'Bronx',
  '36047': 'Brooklyn',
  '36061': 'Manhattan',
  '36081': 'Queens',
  '36085': 'Staten Island',
};

const UNITS = { electricity: 'kWh', gas: 'therm', water: 'gal' };

/** Readings kept per service for its page: a day of 5-minute intervals. */
const READINGS_KEPT = 288;
/** Services whose recent readings are kept (the first seen); others' pages show none. */
const SERVICES_TRACKED = 20_000;

export interface MeteringDashboardOptions {
  readonly port: number;
  readonly host?: string;
  /** The job's database: customer pages read committed daily use and alerts from it. */
  readonly db?: string;
  /** Signs the customer tokens (default: a random one per run). */
  readonly secret?: string;
  /** Services whose page addresses are returned (to print). */
  readonly samples?: number;
  /** Fixed operator token (default random). */
  readonly operatorToken?: string;
}

/** A served metering dashboard. */
export interface MeteringDashboard {
  readonly dashboard: Dashboard;
  /** A few services' page addresses, each with its own token. */
  readonly samples: readonly { readonly service: string; readonly url: string }[];
  /** Stops serving and closes the database. */
  close(): Promise<void>;
}

/** Recent readings of one service as a ring of (time, value). */
class Ring {
  private readonly t = new Float64Array(READINGS_KEPT);
  private readonly v = new Float64Array(READINGS_KEPT);
  private n = 0;
  push(t: number, v: number): void {
    const i = this.n % READINGS_KEPT;
    this.t[i] = t;
    this.v[i] = v;
    this.n += 1;
  }
  rows(): { t: number; value: number }[] {
    const out: { t: number; value: number }[] = [];
    const from = Math.max(0, this.n - READINGS_KEPT);
    for (let k = from; k < this.n; k++)
      out.push({ t: this.t[k % READINGS_KEPT]!, value: this.v[k % READINGS_KEPT]! });
    return out.sort((a, b) => a.t - b.t);
  }
}

/**
 * Serves the dashboard of a metering run (call from `MeteringOutput.onLive`). Customer pages read
 * daily use and alerts from the job's database when it has one (what is committed), otherwise
 * from what the job has produced in this process.
 */
export async function serveMeteringDashboard(
  live: MeteringLive,
  options: MeteringDashboardOptions,
): Promise<MeteringDashboard> {
  const zipOf = new Map([...live.registry.values()].map((r) => [r.ServiceId, r.ServiceZipcode]));
  const { places, missing } = usZipCentroids(NYC_ZIP_CODES.map((z) => z.zip));
  const known = new Map(NYC_ZIP_CODES.map((z) => [z.zip, z]));
  if (missing.length > 0) process.stderr.write(`dashboard: no map position for ZIP ${missing.join(', ')}\n`);

  const rings = new Map<string, Ring>();
  const daily = new Map<string, DailyUse[]>();
  const alerts = new Map<string, Alert[]>();
  const keep = <T>(m: Map<string, T[]>, k: string, v: T) => {
    const list = m.get(k);
    if (list === undefined) m.set(k, [v]);
    else list.push(v);
  };
  live.readings.subscribe((u) => {
    let ring = rings.get(u.service_uid);
    if (ring === undefined) {
      if (rings.size >= SERVICES_TRACKED) return;
      ring = new Ring();
      rings.set(u.service_uid, ring);
    }
    ring.push(u.ts, u.quantity);
  });
  const store = options.db === undefined ? undefined : await MeteringStore.open(options.db);
  if (store === undefined) {
    live.daily.subscribe((d) => keep(daily, d.service_uid, d));
    live.alerts.subscribe((a) => keep(alerts, a.service_uid, a));
  }
  const alertItem = (a: Alert): AlertItem => ({
    type: a.type,
    subject: a.service_uid,
    place: zipOf.get(a.service_uid),
    metric: a.commodity,
    t: a.at_ms,
    detail: a.detail,
  });

  const page = async (uid: string): Promise<CustomerPage | undefined> => {
    const r = live.registry.get(uid);
    if (r === undefined) return undefined;
    const unit = UNITS[r.Type];
    const days =
      store === undefined
        ? (daily.get(uid) ?? []).map((d) => ({
            date: d.date,
            commodity: d.commodity,
            unit: d.unit,
            quantity: d.quantity,
            cost_usd: d.cost_usd,
          }))
        : await store.dailyUse(uid, '0000-01-01', '9999-12-31');
    const raised =
      store === undefined
        ? (alerts.get(uid) ?? [])
        : (await store.alerts({ serviceUid: uid })).map((a) => ({ ...a, at_ms: Date.parse(a.at) }) as Alert);
    return {
      title: `${r.Name} — ${r.Type}`,
      details: {
        address: r.ServiceAddress,
        'ZIP code': `${r.ServiceZipcode} (${r.Neighbourhood}, ${r.Borough})`,
        meter: r.ServiceMeterId,
        premises: r.PremiseKind,
        tariff: `${r.Utility} ${r.TariffName}`,
        service: uid,
      },
      daily: days
        .map((d) => ({ date: d.date, metric: d.commodity, unit: d.unit, use: d.quantity, cost: d.cost_usd }))
        .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)),
      readings: (rings.get(uid)?.rows() ?? []).map((x) => ({ ...x, metric: r.Type, unit })),
      alerts: raised.map(alertItem).sort((a, b) => a.t - b.t),
    };
  };

  const dashboard = await serveDashboard(live, {
    title: 'eventide · New York City metering',
    timeZone: NEW_YORK,
    host: options.host,
    port: options.port,
    ...(options.operatorToken === undefined ? {} : { operatorToken: options.operatorToken }),
    map: {
      regions: usCounties(BOROUGHS),
      places: places.map((p) => ({
        ...p,
        name: `${p.id} ${known.get(p.id)?.neighbourhood ?? ''}`.trim(),
        region: known.get(p.id)?.borough,
      })),
      metrics: ['electricity', 'gas', 'water'],
      units: UNITS,
    },
    places: live.zip.pipe(
      map((h) => ({ place: h.area, metric: h.commodity, t: Date.parse(h.hour_start), value: h.quantity })),
    ),
    series: live.borough.pipe(
      map((h) => ({ series: h.area, metric: h.commodity, t: Date.parse(h.hour_start), value: h.quantity })),
    ),
    alerts: live.alerts.pipe(map(alertItem)),
    customers: {
      secret: options.secret ?? randomToken(),
      page,
    },
  });
  const samples = [...live.registry.keys()]
    .slice(0, options.samples ?? 3)
    .map((service) => ({ service, url: dashboard.customerUrl(service) }));
  return {
    dashboard,
    samples,
    close: async () => {
      await dashboard.close();
      await store?.close();
    },
  };
}
