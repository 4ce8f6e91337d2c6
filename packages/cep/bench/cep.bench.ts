/**
 * `pnpm bench` (CEP part): 10,000 meters, 5-minute readings delivered up to 10 minutes out of
 * order, matched in event time:
 *   (a) three strictly consecutive high readings (`next`), against a hand-written per-key state
 *       machine doing the same detection (same event-time ordering) in the same run;
 *   (b) a low reading followed by one or more spikes within an hour (`followedBy`, `oneOrMore`);
 *   (c) the two-level monitoring pipeline: warnings from two consecutive high readings within
 *       10 minutes, alerts from two rising warnings within 20 minutes;
 *   (a-pt) the pattern of (a) on the same readings without timestamps (each meter's readings
 *       arrive in order, so the matches are the same): what event time costs on top;
 *   (stopped) and (stuck): the main job's absence patterns, a reading not followed by another
 *       within an hour, and one non-zero value repeated for two hours.
 * Each variant runs in its own process (peak RSS is its own), at N and 2N events.
 *
 * Usage: pnpm bench [-- --events 5000000] [--young-gen-mb 32] [--variants a,b,c]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DataStream, WatermarkStrategy } from '@eventide/core';
import {
  BOUND,
  fmt,
  HOUR,
  KEYS,
  measureInChild,
  meterReadings,
  type Reading,
  readingSource,
  reportFromChild,
} from '../../../bench/harness';
import { AfterMatchSkipStrategy, CEP, Pattern } from '../src/index';

function kwh(k: number, i: number): number {
  // a cheap integer hash, uniform enough on 0…0.1 kWh
  let h = Math.imul(k ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x27d4eb2d);
  return ((h >>> 0) % 1000) / 10_000;
}

const readings = (events: number) => meterReadings(events, kwh);

const HIGH = 0.07;
const high = (r: Reading) => r.kWh > HIGH;

function stamped(events: number) {
  const source = readingSource(events, kwh);
  return DataStream.from(source).assignTimestampsAndWatermarks(
    WatermarkStrategy.forBoundedOutOfOrderness<Reading>(BOUND).withTimestampAssigner((r) => r.ts),
  );
}

async function count<X>(stream: DataStream<X>): Promise<number> {
  let n = 0;
  await new Promise<void>((resolve, reject) =>
    stream.toObservable().subscribe({ next: () => n++, error: reject, complete: resolve }),
  );
  return n;
}

const strictThree = Pattern.begin<Reading>('a').where(high).next('b').where(high).next('c').where(high);

async function variantA(events: number): Promise<number> {
  return count(
    CEP.pattern(
      stamped(events).keyBy((r) => r.meter),
      strictThree,
    ).select((m) => m.a![0]!.meter),
  );
}

/** The same detection by hand: readings wait per meter until the watermark passes, then run a counter. */
function handWritten(events: number): number {
  const waiting = new Map<number, Map<number, Reading>>(); // ts → meter → reading
  const run = new Map<number, number>();
  let maxTs = Number.NEGATIVE_INFINITY;
  let watermark = Number.NEGATIVE_INFINITY;
  let matches = 0;
  const release = (upTo: number) => {
    for (const ts of [...waiting.keys()].sort((a, b) => a - b)) {
      if (ts > upTo) break;
      for (const r of waiting.get(ts)!.values()) {
        const n = high(r) ? (run.get(r.meter) ?? 0) + 1 : 0;
        run.set(r.meter, n);
        if (n >= 3) matches++;
      }
      waiting.delete(ts);
    }
  };
  for (const batch of readings(events)) {
    for (const r of batch) {
      if (r.ts <= watermark) continue; // late
      let slot = waiting.get(r.ts);
      if (slot === undefined) waiting.set(r.ts, (slot = new Map()));
      slot.set(r.meter, r);
      if (r.ts > maxTs) {
        maxTs = r.ts;
        const wm = maxTs - BOUND - 1;
        if (wm > watermark) {
          watermark = wm;
          release(wm);
        }
      }
    }
  }
  release(Number.POSITIVE_INFINITY);
  return matches;
}

/** (a) without timestamps: every reading is matched at once, in arrival order (in order per meter). */
async function variantAPT(events: number): Promise<number> {
  return count(
    CEP.pattern(
      DataStream.from(readingSource(events, kwh)).keyBy((r) => r.meter),
      strictThree,
    ).select((m) => m.a![0]!.meter),
  );
}

async function variantStopped(events: number): Promise<number> {
  const silence = Pattern.begin<Reading>('last').notFollowedBy('next').within(HOUR);
  return count(
    CEP.pattern(
      stamped(events).keyBy((r) => r.meter),
      silence,
    ).select((m) => m.last![0]!.meter),
  );
}

async function variantStuck(events: number): Promise<number> {
  const stuck = Pattern.begin<Reading>('first', AfterMatchSkipStrategy.skipPastLastEvent())
    .where((r) => r.kWh > 0)
    .next('same')
    .where((r, ctx) => r.kWh === ctx.eventsForPattern('first')[0]!.kWh)
    .times(23)
    .consecutive();
  return count(
    CEP.pattern(
      stamped(events).keyBy((r) => r.meter),
      stuck,
    ).select((m) => m.first![0]!.meter),
  );
}

async function variantB(events: number): Promise<number> {
  const p = Pattern.begin<Reading>('low')
    .where((r) => r.kWh < 0.005)
    .followedBy('spikes')
    .where((r) => r.kWh > 0.095)
    .oneOrMore()
    .within(HOUR);
  return count(
    CEP.pattern(
      stamped(events).keyBy((r) => r.meter),
      p,
    ).select((m) => m.spikes!.length),
  );
}

interface Warning {
  meter: number;
  ts: number;
  avg: number;
}

async function variantC(events: number): Promise<number> {
  const warningPattern = Pattern.begin<Reading>('first')
    .where(high)
    .next('second')
    .where(high)
    .within(10 * 60_000 + 1);
  const warnings = CEP.pattern(
    stamped(events).keyBy((r) => r.meter),
    warningPattern,
  ).select(
    (m): Warning => ({
      meter: m.first![0]!.meter,
      ts: m.second![0]!.ts,
      avg: (m.first![0]!.kWh + m.second![0]!.kWh) / 2,
    }),
  );
  const alertPattern = Pattern.begin<Warning>('w1')
    .next('w2')
    .where((w, ctx) => w.avg > ctx.eventsForPattern('w1')[0]!.avg)
    .within(20 * 60_000 + 1);
  return count(
    CEP.pattern(
      warnings.keyBy((w) => w.meter),
      alertPattern,
    ).select((m) => m.w2![0]!.meter),
  );
}

async function child(variant: string, events: number): Promise<void> {
  const run = {
    a: variantA,
    'a-pt': variantAPT,
    b: variantB,
    c: variantC,
    stopped: variantStopped,
    stuck: variantStuck,
    hand: async (n: number) => handWritten(n),
  }[variant];
  if (!run) throw new Error(`unknown variant ${variant}`);
  await reportFromChild(variant, events, () => run(events));
}

/** V8 flags every child gets alike (`--young-gen-mb`); empty means Node's defaults. */
let nodeFlags: string[] = [];

const measure = (variant: string, events: number) =>
  measureInChild<number>(fileURLToPath(import.meta.url), variant, 'events', events, nodeFlags);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '5000000' },
      variant: { type: 'string' },
      'young-gen-mb': { type: 'string' },
      variants: { type: 'string', default: 'a,a-pt,b,c,stopped,stuck' },
    },
  });
  if (values['young-gen-mb']) nodeFlags = [`--max-semi-space-size=${Number(values['young-gen-mb'])}`];
  const chosen = values.variants.split(',');
  const events = Number(values.events);
  if (!Number.isInteger(events) || events <= 0)
    throw new Error(`--events must be a positive integer, got ${values.events}`);
  if (values.variant) return child(values.variant, events);
  console.log(
    `CEP in event time: ${KEYS.toLocaleString('en-US')} meters, 5-minute readings, ≤ 10 min out of order${nodeFlags.length > 0 ? ` (node ${nodeFlags.join(' ')})` : ''}`,
  );
  console.log(
    'variant                         events      seconds    events/s     peak RSS    matches   ratio',
  );
  const labels: Record<string, string> = {
    hand: 'hand-written (a)',
    a: '(a) strict three-stage next',
    b: '(b) followedBy oneOrMore 1 h',
    c: '(c) warnings → alerts',
    'a-pt': '(a) without timestamps',
    stopped: '(stopped) no reading for 1 h',
    stuck: '(stuck) one value for 2 h',
  };
  const rss: Record<string, number[]> = {};
  for (const n of [events, events * 2]) {
    const hand = measure('hand', n);
    const ms = [hand, ...chosen.map((v) => measure(v, n))];
    const pt = ms.find((m) => m.variant === 'a-pt');
    const a = ms.find((m) => m.variant === 'a');
    for (const m of ms) {
      const ratio =
        m.variant === 'a'
          ? `${(m.perSecond / hand.perSecond).toFixed(2)}× hand${pt ? `, ${(m.perSecond / pt.perSecond).toFixed(2)}× without timestamps` : ''}`
          : m.variant === 'a-pt' && a
            ? ''
            : '';
      console.log(
        `${labels[m.variant]!.padEnd(30)} ${fmt(m.count).padStart(11)} ${m.seconds.toFixed(2).padStart(9)} ${fmt(m.perSecond).padStart(11)} ${`${m.peakRssMiB.toFixed(0)} MiB`.padStart(10)} ${fmt(m.result).padStart(10)}   ${ratio}`,
      );
      (rss[m.variant] ??= []).push(m.peakRssMiB);
      if (m.variant === 'a' && m.result !== hand.result) {
        throw new Error(`(a) found ${m.result} matches, the hand-written machine ${hand.result}`);
      }
    }
  }
  for (const [v, [r1, r2]] of Object.entries(rss)) {
    console.log(`${labels[v]!.padEnd(30)} peak RSS ×${(r2! / r1!).toFixed(2)} when events double`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
