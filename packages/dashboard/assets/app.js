// @ts-check
// The operator's view: the city map, consumption chart, alert feed and pipeline health, kept
// live over Server-Sent Events. A snapshot replaces everything; a delta adds to it.
import { COLOURS, duration, el, getJson, heat, mib, num, timeFormat, token } from './common.js';

/** @typedef {import('../src/wire').BoardSnapshot} BoardSnapshot */
/** @typedef {import('../src/wire').BoardDelta} BoardDelta */
/** @typedef {import('../src/wire').Health} Health */
/** @typedef {import('../src/wire').NumberedAlert} NumberedAlert */
/** @typedef {import('../src/wire').DrawnMap} DrawnMap */

const SVG = 'http://www.w3.org/2000/svg';
const MAX_ALERTS = 500;

/** @type {{ title: string; map: DrawnMap | null; metrics: string[]; units: Record<string, string>; timeZone: string; customers: boolean }} */
const meta = await getJson('/api/meta');
const fmt = timeFormat(meta.timeZone);
const hooks = { alertsShown: new Map(), updates: 0, snapshots: 0 };
window.eventideDashboard = hooks;

const state = {
  metric: meta.metrics[0] ?? '',
  /** @type {Map<string, { t: number; value: number }>} place\0metric → newest */
  places: new Map(),
  /** @type {Map<string, Map<number, number>>} series\0metric → t → value */
  series: new Map(),
  /** @type {NumberedAlert[]} newest last */
  alerts: [],
  /** @type {Set<string>} */
  alertTypes: new Set(),
  alertFilter: '',
  /** @type {Health | null} */
  health: null,
};

document.title = meta.title;
/** @type {HTMLElement} */ (document.getElementById('title')).textContent = meta.title;

// Metric switch (map and chart together).
const metricNav = /** @type {HTMLElement} */ (document.getElementById('metrics'));
for (const m of meta.metrics) {
  const b = el('button', { type: 'button', 'data-metric': m, 'aria-pressed': String(m === state.metric) }, m);
  b.addEventListener('click', () => {
    state.metric = m;
    for (const x of metricNav.querySelectorAll('button')) {
      x.setAttribute('aria-pressed', String(x.getAttribute('data-metric') === m));
    }
    drawPlaces();
    rebuildChart();
  });
  metricNav.append(b);
}

// The map: outlines once, one circle per place.
const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ (document.getElementById('map')));
/** @type {Map<string, SVGCircleElement>} */
const circles = new Map();
if (meta.map === null) {
  /** @type {HTMLElement} */ (document.getElementById('city')).hidden = true;
} else {
  svg.setAttribute('viewBox', `0 0 ${meta.map.width} ${meta.map.height}`);
  for (const r of meta.map.regions) {
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', r.path);
    p.setAttribute('data-region', r.id);
    const title = document.createElementNS(SVG, 'title');
    title.textContent = r.name;
    p.append(title);
    svg.append(p);
  }
  for (const pl of meta.map.places) {
    const c = document.createElementNS(SVG, 'circle');
    c.setAttribute('cx', String(pl.x));
    c.setAttribute('cy', String(pl.y));
    c.setAttribute('r', '4.5');
    c.setAttribute('class', 'empty');
    c.setAttribute('data-place', pl.id);
    const title = document.createElementNS(SVG, 'title');
    title.textContent = `${pl.name}${pl.region ? `, ${pl.region}` : ''}`;
    c.append(title);
    svg.append(c);
    circles.set(pl.id, c);
  }
}

function drawPlaces() {
  if (meta.map === null) return;
  let newest = Number.NEGATIVE_INFINITY;
  let max = 0;
  for (const [k, v] of state.places) {
    if (!k.endsWith(`\u0000${state.metric}`)) continue;
    if (v.t > newest) {
      newest = v.t;
      max = 0;
    }
    if (v.t === newest) max = Math.max(max, v.value);
  }
  for (const [id, c] of circles) {
    const v = state.places.get(`${id}\u0000${state.metric}`);
    const title = /** @type {SVGTitleElement} */ (c.firstChild);
    const name = /** @type {string} */ (title.textContent).split(':')[0];
    if (v === undefined) {
      c.setAttribute('class', 'empty');
      c.removeAttribute('data-value');
      c.style.fill = '';
      title.textContent = name ?? id;
      continue;
    }
    const current = v.t === newest;
    c.setAttribute('class', current ? 'current' : 'stale');
    c.setAttribute('data-value', String(v.value));
    // A log scale: one very large place does not wash out the others.
    c.style.fill = current
      ? heat(max > 0 ? Math.log1p(Math.max(0, v.value)) / Math.log1p(max) : 0)
      : '#6b7684';
    title.textContent = `${name}: ${num(v.value)} ${meta.units[state.metric] ?? ''} (${fmt(v.t)})`;
  }
  /** @type {HTMLElement} */ (document.getElementById('map-legend')).textContent = Number.isFinite(newest)
    ? `${state.metric} from ${fmt(newest)}, pale → red up to ${num(max)} ${meta.units[state.metric] ?? ''} (log scale); grey: no value then`
    : 'waiting for data';
}

// The chart: one line per series of the chosen metric; the watermark as a vertical line.
const chartBox = /** @type {HTMLElement} */ (document.getElementById('chart'));
/** @type {uPlotInstance | null} */
let chart = null;
/** @type {string[]} */
let chartSeries = [];

/** @returns {AlignedData} */
function chartData() {
  const times = new Set();
  for (const name of chartSeries)
    for (const t of state.series.get(`${name}\u0000${state.metric}`)?.keys() ?? []) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  return [
    xs.map((t) => t / 1000),
    ...chartSeries.map((name) => {
      const points = state.series.get(`${name}\u0000${state.metric}`);
      return xs.map((t) => points?.get(t) ?? null);
    }),
  ];
}

function rebuildChart() {
  chart?.destroy();
  chartSeries = [...state.series.keys()]
    .filter((k) => k.endsWith(`\u0000${state.metric}`))
    .map((k) => /** @type {string} */ (k.split('\u0000')[0]))
    .sort();
  /** @type {uPlotOptions} */
  const opts = {
    width: Math.max(320, chartBox.clientWidth),
    height: 340,
    tzDate: (/** @type {number} */ ts) => uPlot.tzDate(new Date(ts * 1000), meta.timeZone),
    scales: {
      x: {
        time: true,
        // Room for the watermark, which runs ahead of the last window it closed.
        range: (_u, min, max) => {
          const w = state.health?.watermark;
          return [min, w == null ? max : Math.max(max, w / 1000)];
        },
      },
    },
    axes: [
      { stroke: '#8a96a3', grid: { stroke: '#2a3441' } },
      { stroke: '#8a96a3', grid: { stroke: '#2a3441' }, label: meta.units[state.metric] ?? '' },
    ],
    series: [
      {},
      ...chartSeries.map((name, i) => ({ label: name, stroke: COLOURS[i % COLOURS.length], width: 1.5 })),
    ],
    hooks: {
      draw: [
        (u) => {
          const w = state.health?.watermark;
          if (w === null || w === undefined) return;
          const x = u.valToPos(w / 1000, 'x', true);
          if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) return;
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = '#ff5d5d';
          ctx.setLineDash([4, 4]);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        },
      ],
    },
  };
  chart = new uPlot(opts, chartData(), chartBox);
  chartDrawn(chart);
}

function drawChart() {
  const names = [...state.series.keys()].filter((k) => k.endsWith(`\u0000${state.metric}`)).length;
  if (chart === null || names !== chartSeries.length) return rebuildChart();
  chart.setData(chartData());
  chartDrawn(chart);
}

/** @param {uPlotInstance} u */
function chartDrawn(u) {
  chartBox.setAttribute('data-points', String(u.data[0].length));
  const h = state.health;
  /** @type {HTMLElement} */ (document.getElementById('chart-legend')).textContent =
    h?.watermark != null
      ? `watermark ${fmt(h.watermark)} (red dashes)`
      : h?.inputEnded
        ? 'input read to its end'
        : '';
}

// The alert feed, newest first, filterable by type.
const alertList = /** @type {HTMLElement} */ (document.getElementById('alerts'));
const typeNav = /** @type {HTMLElement} */ (document.getElementById('alert-types'));

function typeButtons() {
  const types = ['', ...[...state.alertTypes].sort()];
  if (typeNav.childElementCount === types.length) return;
  typeNav.replaceChildren(
    ...types.map((t) => {
      const b = el(
        'button',
        { type: 'button', 'data-type': t, 'aria-pressed': String(t === state.alertFilter) },
        t || 'all',
      );
      b.addEventListener('click', () => {
        state.alertFilter = t;
        for (const x of typeNav.querySelectorAll('button')) {
          x.setAttribute('aria-pressed', String(x.getAttribute('data-type') === t));
        }
        drawAlerts();
      });
      return b;
    }),
  );
}

/** @param {NumberedAlert} a */
function alertItem(a) {
  const li = el('li', { 'data-n': String(a.n), 'data-type': a.type });
  const href = `/service/${encodeURIComponent(a.subject)}?token=${encodeURIComponent(token)}`;
  li.append(
    el('span', { class: 'type' }, a.type),
    el('span', {}, `${fmt(a.t)}${a.place ? ` · ${a.place}` : ''}${a.metric ? ` · ${a.metric}` : ''}`),
    meta.customers ? el('a', { href }, a.subject.slice(0, 8)) : el('span', {}, a.subject.slice(0, 8)),
    el('span', { class: 'detail' }, a.detail),
  );
  return li;
}

function drawAlerts() {
  typeButtons();
  const shown = state.alerts.filter((a) => state.alertFilter === '' || a.type === state.alertFilter);
  alertList.replaceChildren(...shown.slice(-200).reverse().map(alertItem));
  /** @type {HTMLElement} */ (document.getElementById('alert-count')).textContent =
    `${state.alerts.length} shown`;
}

// Health.
function drawHealth() {
  const h = state.health;
  if (h === null) return;
  const stateEl = /** @type {HTMLElement} */ (document.getElementById('state'));
  stateEl.textContent = h.state;
  stateEl.className = `pill ${h.state}`;
  /** @type {HTMLElement} */ (document.getElementById('clock')).textContent =
    h.watermark !== null ? `event time ${fmt(h.watermark)}` : h.inputEnded ? 'input read to its end' : '';
  /** @type {[string, string, string][]} */
  const rows = [
    ['records/s', 'records-per-second', num(Math.round(h.recordsPerSecond))],
    ['records in', 'records-in', num(h.recordsIn)],
    ['watermark', 'watermark', h.watermark !== null ? fmt(h.watermark) : h.inputEnded ? 'end of input' : '–'],
    ['event-time lag', 'event-time-lag', duration(h.eventTimeLag)],
    ['late', 'late', num(h.late)],
    ['invalid', 'invalid', num(h.invalid)],
    ['partial matches held', 'partial-matches', num(h.partialMatches)],
    [
      'checkpoints',
      'checkpoints',
      `${h.checkpoints.completed}, last ${duration(h.checkpoints.lastDurationMs)}, ${num(h.checkpoints.lastSizeBytes)} bytes`,
    ],
    ['memory', 'memory', `${mib(h.memory.rssBytes)} RSS, ${mib(h.memory.heapUsedBytes)} heap`],
  ];
  /** @type {HTMLElement} */ (document.getElementById('health')).replaceChildren(
    ...rows.flatMap(([label, key, value]) => [el('dt', {}, label), el('dd', { 'data-health': key }, value)]),
  );
  /** @type {HTMLElement} */ (document.querySelector('#operators tbody')).replaceChildren(
    ...h.operators.map((o) => {
      const tr = el('tr', { 'data-operator': o.name });
      for (const v of [
        o.name,
        num(o.recordsIn),
        num(o.recordsOut),
        o.watermark !== null ? fmt(o.watermark) : o.inputEnded ? 'end' : '–',
        duration(o.lag),
        num(o.late),
        num(o.invalid),
      ]) {
        tr.append(el('td', {}, v));
      }
      return tr;
    }),
  );
}

// Applying updates: a snapshot replaces the state, a delta adds to it; drawing waits for a frame.
/** @param {Pick<BoardSnapshot, 'places' | 'series' | 'alerts' | 'health'>} d */
function apply(d) {
  for (const p of d.places) {
    const k = `${p.place}\u0000${p.metric}`;
    const had = state.places.get(k);
    if (had === undefined || had.t <= p.t) state.places.set(k, { t: p.t, value: p.value });
  }
  for (const p of d.series) {
    const k = `${p.series}\u0000${p.metric}`;
    let points = state.series.get(k);
    if (points === undefined) state.series.set(k, (points = new Map()));
    points.set(p.t, p.value);
  }
  const last = state.alerts.at(-1)?.n ?? 0;
  for (const a of d.alerts) {
    if (a.n <= last) continue;
    state.alerts.push(a);
    state.alertTypes.add(a.type);
    if (!hooks.alertsShown.has(a.n)) hooks.alertsShown.set(a.n, { t: a.t, shownAt: Date.now() });
  }
  if (state.alerts.length > MAX_ALERTS) state.alerts.splice(0, state.alerts.length - MAX_ALERTS);
  if (d.health !== null) state.health = d.health;
}

let frame = 0;
function redraw() {
  if (frame !== 0) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    drawPlaces();
    drawChart();
    drawAlerts();
    drawHealth();
  });
}

const source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
source.addEventListener('snapshot', (e) => {
  const s = /** @type {BoardSnapshot} */ (JSON.parse(/** @type {MessageEvent} */ (e).data));
  state.places.clear();
  state.series.clear();
  state.alerts = [];
  apply(s);
  hooks.snapshots += 1;
  redraw();
});
source.addEventListener('delta', (e) => {
  apply(/** @type {BoardDelta} */ (JSON.parse(/** @type {MessageEvent} */ (e).data)));
  hooks.updates += 1;
  redraw();
});
source.addEventListener('error', () => {
  const s = /** @type {HTMLElement} */ (document.getElementById('state'));
  if (source.readyState !== EventSource.OPEN) s.textContent = 'reconnecting…';
});
