import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { JobMetrics } from '@eventide/core';
import type { Observable, Subscription } from 'rxjs';
import { Board, type BoardLimits, healthOf } from './board';
import { drawMap, type MapPlace, type MapRegion } from './geo';
import { randomToken, sameToken, signSubject, verifySubject } from './tokens';
import type { AlertItem, CustomerPage, DrawnMap, PlaceValue, SeriesPoint } from './wire';

/** What the dashboard needs of a job: its metrics (any eventide `Job` has them). */
export interface DashboardJob {
  readonly metrics$: Observable<JobMetrics>;
}

/** Options of `serveDashboard`. */
export interface DashboardOptions {
  /** The page's heading (default "eventide"). */
  readonly title?: string;
  /** IANA time zone that times are shown in (default UTC). */
  readonly timeZone?: string;
  /** Interface to listen on (default 127.0.0.1: this machine only). */
  readonly host?: string;
  /** Port (default 4180; 0 picks a free one). */
  readonly port?: number;
  /**
   * The token that opens the city and health views and every customer page. Default: a random
   * one, part of `Dashboard.url`. `false` leaves those views open to anyone who reaches the port.
   */
  readonly operatorToken?: string | false;
  /** The map: outlines, places the place values colour, and the metrics to switch between. */
  readonly map?: {
    readonly regions: readonly MapRegion[];
    readonly places: readonly MapPlace[];
    readonly metrics: readonly string[];
    /** Unit per metric, for the legend. */
    readonly units?: Readonly<Record<string, string>>;
  };
  /** Values per map place (e.g. hourly use per ZIP code). The map shows each place's newest. */
  readonly places?: Observable<PlaceValue>;
  /** Time series points (e.g. hourly use per borough), charted in event time. */
  readonly series?: Observable<SeriesPoint>;
  /** Alerts for the live feed. */
  readonly alerts?: Observable<AlertItem>;
  /** Customer pages at `/service/<subject>`, each opened by its own signed token. */
  readonly customers?: {
    /** Signs the customer tokens; keep it private (tokens made under it stay valid). */
    readonly secret: string;
    /** The page of one subject, or undefined when there is none. */
    page(subject: string): Promise<CustomerPage | undefined> | CustomerPage | undefined;
  };
  /** How often changes are sent to browsers, ms (default 250). */
  readonly updateEvery?: number;
  readonly limits?: BoardLimits;
}

/** A running dashboard. */
export interface Dashboard {
  /** The city view's address, with the operator token when there is one. */
  readonly url: string;
  readonly port: number;
  readonly operatorToken: string | undefined;
  /** The customer token for one subject (needs `customers`). */
  tokenFor(subject: string): string;
  /** The address of a subject's page, with its token (needs `customers`). */
  customerUrl(subject: string): string;
  /** Browsers connected to the live updates now. */
  readonly clients: number;
  /** Updates sent so far (the id of the last one). */
  readonly updates: number;
  /** Stops serving: closes every connection and the port. */
  close(): Promise<void>;
}

/** Deltas kept for browsers that reconnect: past these, a reconnecting browser gets a snapshot. */
const REPLAY = 2_000;
/** Open connections at most (viewers, page loads and anything else). */
const MAX_CONNECTIONS = 1_000;
/** A browser that has this much unsent is dropped (it reconnects and catches up). */
const MAX_BUFFERED = 8 * 1024 * 1024;

const MIME: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

function assets(): Map<string, { type: string; body: Buffer }> {
  const dir = fileURLToPath(new URL('../assets/', import.meta.url));
  const require = createRequire(import.meta.url);
  const files = new Map<string, { type: string; body: Buffer }>();
  const add = (name: string, path: string) =>
    files.set(name, { type: MIME[name.split('.').pop()!]!, body: readFileSync(path) });
  for (const name of ['index.html', 'service.html', 'app.js', 'service.js', 'common.js', 'style.css']) {
    add(name, dir + name);
  }
  add('uPlot.iife.min.js', require.resolve('uplot/dist/uPlot.iife.min.js'));
  add('uPlot.min.css', require.resolve('uplot/dist/uPlot.min.css'));
  return files;
}

/**
 * Serves a live view of a job: the city map, time series, the alert feed and the pipeline's
 * health, at `url`, updated over Server-Sent Events while the job runs; after it ends, the page
 * shows where it finished. Feeds are subscribed at once, so call it before `job.start()` to see
 * every value. Values are shown as they leave the pipeline, before an exactly-once sink commits
 * them; a browser that reconnects is sent what it missed, each alert once.
 *
 * @param job the job whose `metrics$` fill the health view.
 * @param options what to show and where to listen.
 * @returns the running dashboard; `close()` it when done.
 *
 * @example
 * const job = connect({ hourly });
 * const dashboard = await serveDashboard(job, {
 *   series: job.outputs.hourly.pipe(map((h) => ({ series: h.zip, metric: 'kWh', t: h.start, value: h.kWh }))),
 * });
 * console.log(`open ${dashboard.url}`);
 * job.start();
 */
export async function serveDashboard(job: DashboardJob, options: DashboardOptions = {}): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 4180;
  if (!(Number.isInteger(port) && port >= 0 && port < 65536)) {
    throw new RangeError(`serveDashboard: port must be an integer from 0 to 65535, got ${port}`);
  }
  const every = options.updateEvery ?? 250;
  if (!(Number.isFinite(every) && every > 0)) {
    throw new RangeError(`serveDashboard: updateEvery must be a positive number of ms, got ${every}`);
  }
  if (options.customers !== undefined && !(options.customers.secret.length >= 16)) {
    throw new RangeError('serveDashboard: customers.secret must be at least 16 characters');
  }
  const operatorToken =
    options.operatorToken === false ? undefined : (options.operatorToken ?? randomToken());
  const timeZone = options.timeZone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new RangeError(`serveDashboard: timeZone must be an IANA time zone, got '${timeZone}'`);
  }
  const files = assets();
  const board = new Board(options.limits);
  const map: DrawnMap | null =
    options.map === undefined ? null : drawMap(options.map.regions, options.map.places);
  const meta = JSON.stringify({
    title: options.title ?? 'eventide',
    timeZone,
    map,
    metrics: options.map?.metrics ?? [],
    units: options.map?.units ?? {},
    customers: options.customers !== undefined,
  });

  // Updates: each change set is one SSE event, numbered; the last REPLAY are kept for reconnects.
  // An id names this server too (`<instance>.<n>`): a browser that reconnects with an id from an
  // earlier process (the job restarted) gets a snapshot, never another run's deltas.
  const instance = randomBytes(6).toString('hex');
  let seq = 0;
  const kept: { id: number; text: string }[] = [];
  const clients = new Set<ServerResponse>();
  const send = (res: ServerResponse, text: string) => {
    if (res.writableLength > MAX_BUFFERED) {
      clients.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  };
  const flush = () => {
    const delta = board.take();
    if (delta === undefined) return;
    seq += 1;
    const text = `id: ${instance}.${seq}\nevent: delta\ndata: ${JSON.stringify(delta)}\n\n`;
    kept.push({ id: seq, text });
    if (kept.length > REPLAY) kept.shift();
    for (const res of clients) send(res, text);
  };
  const ticker = setInterval(flush, every);
  const heartbeat = setInterval(() => {
    for (const res of clients) send(res, ': keep-alive\n\n');
  }, 15_000);

  const subscriptions: Subscription[] = [];
  let previous: JobMetrics | undefined;
  let memory = { rssBytes: 0, heapUsedBytes: 0 };
  subscriptions.push(
    job.metrics$.subscribe((m) => {
      // memoryUsage() throws when the process is out of file descriptors (EMFILE): the health view
      // then shows the last figures, and the job is not told
      try {
        const mem = process.memoryUsage();
        memory = { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed };
      } catch {}
      board.setHealth(healthOf(m, previous, memory));
      previous = m;
      // The last snapshot of a finished job goes out at once.
      if (m.state !== 'running') flush();
    }),
  );
  if (options.places) subscriptions.push(options.places.subscribe((v) => board.addPlace(v)));
  if (options.series) subscriptions.push(options.series.subscribe((p) => board.addPoint(p)));
  if (options.alerts) subscriptions.push(options.alerts.subscribe((a) => board.addAlert(a)));

  const tokenOf = (req: IncomingMessage, url: URL): string | undefined => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice(7);
    return url.searchParams.get('token') ?? undefined;
  };
  /** 401 without a token, 403 with a wrong one; true when allowed. */
  const allowed = (res: ServerResponse, token: string | undefined, ok: (t: string) => boolean): boolean => {
    if (token === undefined || token === '') {
      plain(res, 401, 'a token is needed: open the address the job printed');
      return false;
    }
    if (!ok(token)) {
      plain(res, 403, 'this token does not open this page');
      return false;
    }
    return true;
  };
  const isOperator = (t: string) => operatorToken === undefined || sameToken(t, operatorToken);
  const operatorAllowed = (req: IncomingMessage, res: ServerResponse, url: URL) =>
    operatorToken === undefined || allowed(res, tokenOf(req, url), isOperator);

  const events = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    // A new viewer gets everything as of the last update: pending changes go out first.
    flush();
    res.writeHead(200, {
      ...SECURITY,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const header = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? undefined;
    const id = typeof header === 'string' ? /^([0-9a-f]{12})\.(\d{1,15})$/.exec(header) : null;
    const last = id !== null && id[1] === instance ? Number(id[2]) : Number.NaN;
    let text = 'retry: 1000\n\n';
    const first = kept[0]?.id ?? seq + 1;
    if (Number.isInteger(last) && last <= seq && last >= first - 1) {
      for (const k of kept) if (k.id > last) text += k.text;
    } else {
      text += `id: ${instance}.${seq}\nevent: snapshot\ndata: ${JSON.stringify(board.snapshot())}\n\n`;
    }
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write(text);
    clients.add(res);
    req.on('close', () => clients.delete(res));
  };

  const customer = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    subject: string,
    api: boolean,
  ) => {
    const c = options.customers;
    if (c === undefined) return plain(res, 404, 'not found');
    const ok = (t: string) =>
      (operatorToken !== undefined && sameToken(t, operatorToken)) || verifySubject(c.secret, subject, t);
    if (!allowed(res, tokenOf(req, url), ok)) return;
    if (!api) return file(res, 'service.html');
    let page: CustomerPage | undefined;
    try {
      page = await c.page(subject);
    } catch {
      // the reason stays on this side: a page says what failed, not the internals of why
      return plain(res, 500, 'could not read this page; try again later');
    }
    if (page === undefined) return plain(res, 404, 'no such service');
    json(res, { ...page, timeZone });
  };

  const file = (res: ServerResponse, name: string) => {
    const f = files.get(name);
    if (f === undefined) return plain(res, 404, 'not found');
    res.writeHead(200, { ...SECURITY, 'content-type': f.type, 'cache-control': 'no-cache' });
    res.end(f.body);
  };

  // Whatever a request holds, it gets a status code and nothing else: no parse error, no throw in
  // a handler, no socket error reaches the job.
  const server = createServer((req, res) => {
    try {
      route(req, res);
    } catch {
      failed(res);
    }
  });
  // Connections are bounded, and one that has not sent its headers in 10 s is closed: idle
  // sockets cannot use up the process's file descriptors.
  server.maxConnections = MAX_CONNECTIONS;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  // CONNECT (a proxy tunnel) is not served: a status code, and the socket closed
  server.on('connect', (_req, socket) => {
    socket.on('error', () => socket.destroy());
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  const route = (req: IncomingMessage, res: ServerResponse) => {
    res.on('error', () => res.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://dashboard');
    } catch {
      return plain(res, 400, 'bad request: the address does not parse');
    }
    const path = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'only GET');
    if (path.startsWith('/assets/')) return file(res, path.slice('/assets/'.length));
    if (path === '/favicon.ico') {
      res.writeHead(204, SECURITY);
      return res.end();
    }
    const service = /^\/(api\/)?service\/([^/]+)$/.exec(path);
    if (service !== null) {
      let subject: string;
      try {
        subject = decodeURIComponent(service[2]!);
      } catch {
        return plain(res, 400, 'bad service id');
      }
      customer(req, res, url, subject, service[1] !== undefined).catch(() => failed(res));
      return;
    }
    if (!['/', '/api/meta', '/api/events'].includes(path)) return plain(res, 404, 'not found');
    if (!operatorAllowed(req, res, url)) return;
    if (path === '/') return file(res, 'index.html');
    if (path === '/api/meta') {
      res.writeHead(200, { ...SECURITY, 'content-type': 'application/json', 'cache-control': 'no-store' });
      return res.end(meta);
    }
    events(req, res, url);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const base = `http://${shownHost}:${bound}`;
  const requireCustomers = (what: string) => {
    if (options.customers === undefined) {
      throw new Error(`Dashboard.${what}: this dashboard has no customer pages (options.customers)`);
    }
    return options.customers;
  };
  let closed: Promise<void> | undefined;
  return {
    url: operatorToken === undefined ? `${base}/` : `${base}/?token=${operatorToken}`,
    port: bound,
    operatorToken,
    tokenFor: (subject) => signSubject(requireCustomers('tokenFor').secret, subject),
    customerUrl: (subject) =>
      `${base}/service/${encodeURIComponent(subject)}?token=${signSubject(requireCustomers('customerUrl').secret, subject)}`,
    get clients() {
      return clients.size;
    },
    get updates() {
      return seq;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        clearInterval(ticker);
        clearInterval(heartbeat);
        for (const s of subscriptions) s.unsubscribe();
        for (const res of clients) res.end();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** Headers on every page: no framing, no sniffing, no token leaking through a Referer. */
const SECURITY = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
};

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    ...SECURITY,
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(`${text}\n`);
}

/** A handler failed: a 500 that says so and no more, or the connection cut if the answer began. */
function failed(res: ServerResponse): void {
  if (!res.headersSent) plain(res, 500, 'the dashboard could not answer this request');
  else res.destroy();
}

function json(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { ...SECURITY, 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}
