import { connect as tcp } from 'node:net';
import type { JobMetrics } from '@eventide/core';
import fc from 'fast-check';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertItem, type Dashboard, serveDashboard } from '../src/index';
import { SseClient } from './helpers/sse';

// Hostile requests against a running dashboard: whatever the bytes, each request gets a status
// code (or, for bytes that are not HTTP at all, a closed connection) and nothing reaches the job.
// The server stays up and keeps serving the page throughout.

const SECRET = 'a-secret-for-tests-only-0123456789';
let dashboard: Dashboard;
let jobErrors = 0;
const metrics$ = new Subject<JobMetrics>();
const alerts = new Subject<AlertItem>();

beforeAll(async () => {
  dashboard = await serveDashboard(
    { metrics$ },
    {
      port: 0,
      updateEvery: 20,
      alerts,
      customers: {
        secret: SECRET,
        page: (s) => {
          if (s === 'throws') throw new Error('internal: /var/lib/secret-path exploded');
          return s === 'svc-a' ? { title: s, daily: [], readings: [], alerts: [] } : undefined;
        },
      },
    },
  );
  metrics$.subscribe({ error: () => jobErrors++ });
  alerts.subscribe({ error: () => jobErrors++ });
});
afterAll(() => dashboard.close());

const port = () => dashboard.port;
const eventsUrl = () =>
  `${dashboard.url.replace(/\/\?token=.*$/, '')}/api/events?token=${dashboard.operatorToken}`;

/** The id of the update that carries a new alert at `t`, as a connected browser received it. */
async function deltaId(t: number): Promise<string> {
  const c = await SseClient.connect(eventsUrl());
  alerts.next({ type: 'spike', subject: 's', t, detail: 'x' });
  await c.until((ev) => ev.some((e) => e.event === 'delta'));
  c.close();
  return c.lastId!;
}

/** Sends raw bytes, half-closes, and gives the status line (or 'closed' when the server hung up). */
function raw(bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcp(port(), '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      // a watchdog for a server that never answers (a stall is the defect), far above any load
      reject(new Error(`no answer in 30 s to ${JSON.stringify(bytes.toString('latin1'))}`));
    }, 30_000);
    const done = (v: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    socket.on('data', (d) => {
      got += d.toString('latin1');
      const eol = got.indexOf('\r\n');
      if (eol >= 0) done(got.slice(0, eol));
    });
    socket.on('error', () => done(got === '' ? 'closed' : got));
    socket.on('close', () => done(got === '' ? 'closed' : got));
    socket.write(bytes);
    socket.end();
  });
}

const request = (line: string, headers: readonly string[] = []) =>
  Buffer.from(`${line}\r\n${['Host: x', ...headers].join('\r\n')}\r\n\r\n`, 'latin1');

const STATUS = /^HTTP\/1\.1 [1-5]\d\d /;

const targetChars = fc.constantFrom(
  ..."/[]:@%?#&=.\\ab01~!$'()*+,;".split(''),
  '%00',
  '%zz',
  '%2F',
  '\u00e9',
);
const target = fc.oneof(
  fc.array(targetChars, { maxLength: 40 }).map((cs) => cs.join('')),
  fc.constantFrom(
    '/',
    '/api/events',
    '/api/meta',
    '/service/svc-a',
    '/api/service/throws',
    '/assets/app.js',
    '/favicon.ico',
  ),
  fc
    .tuple(
      fc.constantFrom('//', 'http://', 'http://[', '//[', 'http://[::1', '//a:b@x:', '/service/'),
      fc.string({ maxLength: 20 }),
    )
    .map(([a, b]) => a + b),
);
const header = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('Last-Event-ID', 'Authorization', 'Accept', 'Cookie', 'X-Y'),
      fc.string({ maxLength: 60 }),
    )
    .map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, '')}`),
  fc.constantFrom(
    'Authorization: Bearer ',
    'Authorization: Bearer x',
    'Last-Event-ID: 1',
    'Last-Event-ID: .',
    'Last-Event-ID: -1',
  ),
);
const method = fc.constantFrom('GET', 'HEAD', 'POST', 'OPTIONS', 'get', 'G E T', '');

describe('the dashboard under hostile requests', () => {
  it('answers the request lines that crashed it with a status code', async () => {
    for (const line of ['GET //[ HTTP/1.1', 'GET http://[::1 HTTP/1.1', 'GET //a:b@x:99999/ HTTP/1.1']) {
      expect(await raw(request(line))).toMatch(/^HTTP\/1\.1 400 /);
    }
    expect(jobErrors).toBe(0);
  });

  it('answers thousands of random and mutated requests, and keeps serving the page', async () => {
    await fc.assert(
      fc.asyncProperty(method, target, fc.array(header, { maxLength: 4 }), async (m, t, hs) => {
        // a request the HTTP parser refuses gets a 400 too; anything it accepts is answered
        expect(await raw(request(`${m} ${t} HTTP/1.1`, hs))).toMatch(STATUS);
      }),
      { numRuns: 1500 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(60), async (noise, at) => {
        const base = request('GET /api/meta HTTP/1.1', [`Authorization: Bearer ${dashboard.operatorToken}`]);
        const cut = Math.min(at, base.length);
        const bytes = Buffer.concat([base.subarray(0, cut), Buffer.from(noise), base.subarray(cut)]);
        const status = await raw(bytes);
        expect(status === 'closed' || STATUS.test(status), status).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect(jobErrors).toBe(0);
    const page = await fetch(dashboard.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  }, 120_000);

  it('HEAD of the live updates and CONNECT each get a status code, not a silent socket', async () => {
    const auth = `Authorization: Bearer ${dashboard.operatorToken}`;
    expect(await raw(request('HEAD /api/events HTTP/1.1', [auth]))).toMatch(/^HTTP\/1\.1 200 /);
    expect(await raw(request('CONNECT 127.0.0.1:22 HTTP/1.1'))).toMatch(/^HTTP\/1\.1 405 /);
    expect(jobErrors).toBe(0);
  });

  it('a failing page says what failed, without the internal reason', async () => {
    const res = await fetch(dashboard.customerUrl('throws').replace('/service/', '/api/service/'));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/internal|secret-path|exploded/);
    expect(text).toMatch(/could not read this page/);
  });

  it('SSE reconnects with any Last-Event-ID get a snapshot or the deltas after it, with the page headers', async () => {
    const url = eventsUrl();
    const ownId = await deltaId(1);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.constant(ownId),
          fc.constant(`0${ownId}`),
          fc.constant(`${ownId}.5`),
        ),
        async (id) => {
          const c = await SseClient.connect(url, id.replace(/[\r\n\0]/g, ''));
          expect(c.status).toBe(200);
          expect(c.headers['x-content-type-options']).toBe('nosniff');
          expect(c.headers['content-security-policy']).toBeDefined();
          if (id !== ownId) await c.until((ev) => ev.length >= 1);
          if (id !== ownId) expect(c.events[0]!.event).toBe('snapshot');
          c.close();
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);

  it('an id from an earlier server (a restarted job) gets a snapshot, not that run’s deltas', async () => {
    const id = await deltaId(2);
    // the job restarted: a new server, already past that update's number
    const next = new Subject<AlertItem>();
    const other = await serveDashboard(
      { metrics$: new Subject<JobMetrics>() },
      { port: 0, operatorToken: false, updateEvery: 5, alerts: next },
    );
    try {
      for (let i = 0; other.updates <= dashboard.updates + 2; i++) {
        next.next({ type: 'leak', subject: `o${i}`, t: i, detail: 'z' });
        await new Promise((r) => setTimeout(r, 10));
      }
      const again = await SseClient.connect(`${other.url}api/events`, id);
      await again.until((ev) => ev.length >= 1);
      expect(again.events[0]!.event).toBe('snapshot');
      again.close();
    } finally {
      await other.close();
    }
  });
});
