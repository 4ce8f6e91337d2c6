/**
 * Bounded memory (`pnpm --filter @eventide/cep bench:memory`): the pathological pattern of issue
 * 13 — `followedByAny` + `oneOrMore` with no `within` — over one busy key, 1,000,000 events, with
 * a cap on partial matches. Prints the heap (after a full GC) as events go by, the buffer's size,
 * partial matches held and dropped, and throughput. Memory must stay flat: the shared buffer
 * keeps only what the partial matches under the cap can still reach.
 *
 * Usage: node --expose-gc --import tsx bench/memory.bench.ts [--events 1000000] [--cap 100]
 */
import { parseArgs } from 'node:util';
import { compile, NFA, Pattern } from '../src/index';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '1000000' }, cap: { type: 'string', default: '100' } },
});
const events = Number(values.events);
const cap = Number(values.cap);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) console.log('(run with node --expose-gc for heap figures after a full GC)');

const pattern = Pattern.begin<number>('a')
  .where((x) => x % 2 === 0)
  .followedByAny('b')
  .oneOrMore()
  .followedBy('c')
  .where((x) => x < 0);

const nfa = new NFA(compile(pattern), cap);
const state = nfa.createState();
const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
const heap = () => {
  gc?.();
  return process.memoryUsage().heapUsed;
};
let dropped = 0;
let matches = 0;
const rows: string[] = [];
const marks = new Set([1_000, 10_000, 100_000, 250_000, 500_000, 750_000, events]);
const base = heap();
const started = performance.now();
let heapAt100k = 0;
for (let i = 1; i <= events; i++) {
  // every 1000th event closes matches (c), the rest feed the loops
  const r = nfa.process(state, i % 1000 === 0 ? -i : i, i);
  dropped += r.dropped;
  matches += r.matches.length;
  if (marks.has(i)) {
    const h = heap() - base;
    if (i === 100_000) heapAt100k = h;
    rows.push(
      `${i.toLocaleString('en-US').padStart(10)} events  heap +${mib(h).padStart(9)}  buffer ${String(state.buffer.eventCount).padStart(5)} events / ${String(state.buffer.nodeCount).padStart(6)} nodes  partial ${String(state.partial.length - 1).padStart(5)}  dropped ${dropped.toLocaleString('en-US').padStart(11)}`,
    );
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(`followedByAny + oneOrMore, no within, one key, cap ${cap} partial matches`);
for (const r of rows) console.log(r);
const end = heap() - base;
console.log(
  `${Math.round(events / seconds).toLocaleString('en-US')} events/s; ${matches.toLocaleString('en-US')} matches; heap at the end ${(end / Math.max(1, heapAt100k)).toFixed(2)}× the heap at 100,000 events; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
);
