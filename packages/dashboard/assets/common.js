// @ts-check
// Helpers both pages share: the token from the address, authorised fetches, formatting.

/** The token this page was opened with (`?token=`), or an empty string. */
export const token = new URLSearchParams(location.search).get('token') ?? '';

/**
 * Fetches JSON with the page's token; throws with the server's words on an error status.
 * @param {string} path
 */
export async function getJson(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${res.status}: ${(await res.text()).trim()}`);
  return res.json();
}

/**
 * Creates an element with text and attributes.
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {string} [text]
 */
export function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * A date formatter for a time zone: `2026-01-05 14:00`.
 * @param {string} timeZone
 * @returns {(ms: number) => string}
 */
export function timeFormat(timeZone) {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return (ms) => f.format(ms).replace(',', '');
}

/** @param {number} x */
export const num = (x) => x.toLocaleString('en-US', { maximumFractionDigits: x < 10 ? 2 : 0 });

/** @param {number} bytes */
export const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;

/** @param {number | null} ms */
export function duration(ms) {
  if (ms === null) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(0)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Line colours for chart series. */
export const COLOURS = ['#f0a53b', '#5fb0ff', '#7ed491', '#e36f8f', '#b58cf0', '#6fd6d0', '#d9d36a'];

/**
 * Colour of a value on a 0..1 scale (pale yellow → red).
 * @param {number} f
 */
export function heat(f) {
  const x = Math.max(0, Math.min(1, f));
  const hue = 55 - 55 * x;
  const light = 70 - 25 * x;
  return `hsl(${hue.toFixed(0)} 90% ${light.toFixed(0)}%)`;
}
