// @ts-check
// A customer's page: one service's details, recent readings, daily use and cost, and alerts.
// The server answers only with this page's token (or the operator's).
import { COLOURS, el, getJson, num, timeFormat } from './common.js';

/** @typedef {import('../src/wire').CustomerPage} CustomerPage */

const subject = decodeURIComponent(location.pathname.split('/').pop() ?? '');
/** @type {CustomerPage & { timeZone: string }} */
const page = await getJson(`/api/service/${encodeURIComponent(subject)}`);
const fmt = timeFormat(page.timeZone);

document.title = page.title;
/** @type {HTMLElement} */ (document.getElementById('title')).textContent = page.title;
/** @type {HTMLElement} */ (document.getElementById('details')).replaceChildren(
  ...Object.entries(page.details ?? {}).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
);

/** @type {HTMLElement} */ (document.querySelector('#daily tbody')).replaceChildren(
  ...page.daily.map((d) => {
    const tr = el('tr', { 'data-date': d.date, 'data-metric': d.metric, 'data-use': String(d.use) });
    for (const v of [
      d.date,
      d.metric,
      `${num(d.use)} ${d.unit}`,
      d.cost === undefined ? '–' : `$${d.cost.toFixed(2)}`,
    ]) {
      tr.append(el('td', {}, v));
    }
    return tr;
  }),
);

/** @type {HTMLElement} */ (document.getElementById('alerts')).replaceChildren(
  ...(page.alerts.length === 0
    ? [el('li', {}, 'no alerts')]
    : page.alerts.map((a) =>
        el('li', { 'data-type': a.type, 'data-t': String(a.t) }, `${a.type} · ${fmt(a.t)} · ${a.detail}`),
      )),
);

// Readings: one chart per metric (a service usually has one).
const box = /** @type {HTMLElement} */ (document.getElementById('chart'));
const metrics = [...new Set(page.readings.map((r) => r.metric))];
box.setAttribute('data-points', String(page.readings.length));
metrics.forEach((metric, i) => {
  const rows = page.readings.filter((r) => r.metric === metric).sort((a, b) => a.t - b.t);
  const div = el('div', { 'data-metric': metric });
  box.append(div);
  new uPlot(
    {
      width: Math.max(320, box.clientWidth),
      height: 260,
      tzDate: (/** @type {number} */ ts) => uPlot.tzDate(new Date(ts * 1000), page.timeZone),
      axes: [
        { stroke: '#8a96a3', grid: { stroke: '#2a3441' } },
        { stroke: '#8a96a3', grid: { stroke: '#2a3441' }, label: rows[0]?.unit ?? '' },
      ],
      series: [{}, { label: metric, stroke: COLOURS[i % COLOURS.length], width: 1.2 }],
    },
    [rows.map((r) => r.t / 1000), rows.map((r) => r.value)],
    div,
  );
});
