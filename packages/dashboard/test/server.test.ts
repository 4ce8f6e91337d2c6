import type { JobMetrics } from '@eventide/core';
import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AlertItem,
  type BoardDelta,
  type BoardSnapshot,
  type Dashboard,
  serveDashboard,
} from '../src/index';
import { SseClient } from './helpers/sse';

const SECRET = 'a-secret-for-tests-only-0123456789';
let open: Dashboard[] = [];
afterEach(async () => {
  await Promise.all(open.map((d) => d.close()));
  open = [];
});

function setup(extra: Parameters<typeof serveDashboard>[1] = {}) {
  const metrics$ = new Subject<JobMetrics>();
  const alerts = new Subject<AlertItem>();
  return {
    metrics$,
    alerts,
    start: async () => {
      const d = await serveDashboard(
        { metrics$ },
        {
          port: 0,
          updateEvery: 20,
          alerts,
          customers: {
            secret: SECRET,
            page: (s) =>
              s === 'svc-a' || s === 'svc-b'
                ? {
                    title: `service ${s}`,
                    daily: [],
                    readings: [{ t: 0, metric: 'e', unit: 'kWh', value: 1 }],
                    alerts: [],
                  }
                : undefined,
          },
          ...extra,
        },
      );
      open.push(d);
      return d;
    },
  };
}

const alert = (i: number): AlertItem => ({
  type: 'spike',
  subject: `svc-${i}`,
  t: i * 1000,
  detail: `#${i}`,
});
const base = (d: Dashboard) => d.url.replace(/\/(\?token=.*)?$/, '');

describe('access', () => {
  it('city views need the operator token: 401 without, 403 with a wrong one, nothing else', async () => {
    const d = await setup().start();
    expect(d.operatorToken).toMatch(/^[\w-]{43}$/);
    for (const path of ['/', '/api/meta', '/api/events']) {
      const none = await fetch(`${base(d)}${path}`);
      expect(none.status).toBe(401);
      expect(await none.text()).not.toContain('spike');
      const wrong = await fetch(`${base(d)}${path}?token=${'x'.repeat(43)}`);
      expect(wrong.status).toBe(403);
    }
    const ok = await fetch(d.url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(ok.headers.get('referrer-policy')).toBe('no-referrer');
    const meta = await fetch(`${base(d)}/api/meta`, {
      headers: { authorization: `Bearer ${d.operatorToken}` },
    });
    expect(meta.status).toBe(200);
    expect(await meta.json()).toMatchObject({ title: 'eventide', customers: true, timeZone: 'UTC' });
  });

  it("a customer token opens its own service's page and data only", async () => {
    const d = await setup().start();
    const a = d.tokenFor('svc-a');
    expect(d.customerUrl('svc-a')).toBe(`${base(d)}/service/svc-a?token=${a}`);
    expect((await fetch(`${base(d)}/service/svc-a?token=${a}`)).status).toBe(200);
    const data = await fetch(`${base(d)}/api/service/svc-a`, { headers: { authorization: `Bearer ${a}` } });
    expect(data.status).toBe(200);
    expect(await data.json()).toMatchObject({ title: 'service svc-a', timeZone: 'UTC' });
    // Another service's page, the city view, no token, a tampered token.
    const b = await fetch(`${base(d)}/api/service/svc-b?token=${a}`);
    expect(b.status).toBe(403);
    expect(await b.text()).not.toContain('svc-b');
    expect((await fetch(`${base(d)}/?token=${a}`)).status).toBe(403);
    expect((await fetch(`${base(d)}/api/events?token=${a}`)).status).toBe(403);
    expect((await fetch(`${base(d)}/api/service/svc-a`)).status).toBe(401);
    const tampered = `${a.slice(0, -1)}${a.endsWith('A') ? 'B' : 'A'}`;
    expect((await fetch(`${base(d)}/api/service/svc-a?token=${tampered}`)).status).toBe(403);
    // The operator opens every page; an unknown service with a valid token is 404.
    expect((await fetch(`${base(d)}/api/service/svc-b?token=${d.operatorToken}`)).status).toBe(200);
    expect((await fetch(`${base(d)}/api/service/svc-z?token=${d.tokenFor('svc-z')}`)).status).toBe(404);
  });

  it('operatorToken false leaves the city open; customer pages still need their token', async () => {
    const d = await setup({ operatorToken: false }).start();
    expect(d.url).toBe(`${base(d)}/`);
    expect((await fetch(`${base(d)}/api/meta`)).status).toBe(200);
    expect((await fetch(`${base(d)}/api/service/svc-a`)).status).toBe(401);
  });

  it('listens on 127.0.0.1 unless told otherwise, and rejects bad options by name', async () => {
    const d = await setup().start();
    expect(d.url.startsWith('http://127.0.0.1:')).toBe(true);
    const metrics$ = new Subject<JobMetrics>();
    await expect(serveDashboard({ metrics$ }, { port: 70000 })).rejects.toThrow(/serveDashboard: port/);
    await expect(serveDashboard({ metrics$ }, { timeZone: 'Mars/Olympus' })).rejects.toThrow(/timeZone/);
    await expect(
      serveDashboard({ metrics$ }, { customers: { secret: 'short', page: () => undefined } }),
    ).rejects.toThrow(/secret/);
  });
});

/** Alert numbers in the order the client received them, from snapshots and deltas. */
function alertNumbers(events: readonly { event: string; data: string }[]): number[] {
  const out: number[] = [];
  for (const e of events) {
    if (e.event !== 'snapshot' && e.event !== 'delta') continue;
    const body = JSON.parse(e.data) as BoardSnapshot | BoardDelta;
    for (const a of body.alerts) out.push(a.n);
  }
  return out;
}

describe('live updates (Server-Sent Events)', () => {
  it('a new viewer gets a snapshot of everything, then each change once', async () => {
    const s = setup();
    const d = await s.start();
    for (let i = 1; i <= 3; i++) s.alerts.next(alert(i));
    const c = await SseClient.connect(`${base(d)}/api/events?token=${d.operatorToken}`);
    expect(c.status).toBe(200);
    await c.until((ev) => ev.length >= 1);
    expect(c.events[0]!.event).toBe('snapshot');
    for (let i = 4; i <= 6; i++) s.alerts.next(alert(i));
    await c.until((ev) => alertNumbers(ev).length >= 6);
    expect(alertNumbers(c.events)).toEqual([1, 2, 3, 4, 5, 6]);
    c.close();
  });

  it('a viewer that reconnects with Last-Event-ID gets what it missed, nothing twice', async () => {
    const s = setup();
    const d = await s.start();
    const url = `${base(d)}/api/events?token=${d.operatorToken}`;
    const received: { event: string; data: string }[] = [];
    let c = await SseClient.connect(url);
    let n = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 7; i++) s.alerts.next(alert(++n));
      await c.until((ev) => alertNumbers([...received, ...ev]).includes(n));
      // More alerts arrive while the connection is down.
      c.close();
      received.push(...c.events);
      await new Promise((r) => setTimeout(r, 30));
      for (let i = 0; i < 4; i++) s.alerts.next(alert(++n));
      await new Promise((r) => setTimeout(r, 60));
      c = await SseClient.connect(url, c.lastId);
      await c.until((ev) => alertNumbers([...received, ...ev]).includes(n));
      expect(c.events.some((e) => e.event === 'snapshot')).toBe(false);
    }
    received.push(...c.events);
    c.close();
    expect(alertNumbers(received)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it('a viewer too far behind (or with a foreign id) gets a fresh snapshot', async () => {
    const s = setup();
    const d = await s.start();
    s.alerts.next(alert(1));
    await new Promise((r) => setTimeout(r, 60));
    for (const id of ['999999', 'not-a-number']) {
      const c = await SseClient.connect(`${base(d)}/api/events?token=${d.operatorToken}`, id);
      await c.until((ev) => ev.length >= 1);
      expect(c.events[0]!.event).toBe('snapshot');
      expect(alertNumbers(c.events)).toEqual([1]);
      c.close();
    }
  });

  it('health follows the job metrics, and a finished job is shown as finished', async () => {
    const s = setup();
    const d = await s.start();
    const c = await SseClient.connect(`${base(d)}/api/events?token=${d.operatorToken}`);
    const op = (recordsOut: number, w: number) => ({
      operator: 'readings',
      kind: 'source',
      recordsIn: 0,
      recordsOut,
      lateDropped: 0,
      lateSideOutput: 0,
      invalid: 0,
      currentWatermark: w,
      openWindows: 0,
      keysHeld: 0,
      custom: {},
      watermarkLag: 0,
    });
    const checkpoints = {
      completed: 0,
      lastId: undefined,
      lastDurationMs: 0,
      lastSizeBytes: 0,
      restoredFrom: undefined,
    };
    s.metrics$.next({ at: 1000, state: 'running', operators: { readings: op(100, 5000) }, checkpoints });
    s.metrics$.next({ at: 3000, state: 'finished', operators: { readings: op(700, 9000) }, checkpoints });
    await c.until((ev) =>
      ev.some((e) => e.event === 'delta' && JSON.parse(e.data).health?.state === 'finished'),
    );
    const last = c.events
      .filter((e) => e.event === 'delta')
      .map((e) => (JSON.parse(e.data) as BoardDelta).health)
      .at(-1)!;
    // 600 records in 2 s of the job's clock
    expect(last).toMatchObject({ state: 'finished', recordsPerSecond: 300, recordsIn: 700, watermark: 9000 });
    c.close();
  });

  it('close() ends every connection and frees the port', async () => {
    const s = setup();
    const d = await s.start();
    const c = await SseClient.connect(`${base(d)}/api/events?token=${d.operatorToken}`);
    expect(d.clients).toBe(1);
    await d.close();
    await expect(fetch(d.url)).rejects.toThrow();
    c.close();
  });
});
