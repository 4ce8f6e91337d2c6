/**
 * What the benchmarks of every package share: the smart-meter workload (the same arrival order
 * everywhere) and running each variant in its own child process, so that peak RSS is its own.
 */
import { execFileSync } from 'node:child_process';

export const KEYS = 10_000;
export const INTERVAL = 5 * 60_000;
export const HOUR = 3_600_000;
/** Deliveries are up to this far out of order. */
export const BOUND = 10 * 60_000;
export const BASE = Date.UTC(2026, 0, 1);

export interface Reading {
  meter: number;
  ts: number;
  kWh: number;
}

/**
 * `count` readings in batches, slot by slot over every meter; meter k's reading arrives (k mod 3)
 * slots late, so deliveries are up to 10 minutes out of order across meters.
 */
export function* meterReadings(
  count: number,
  kWh: (meter: number, slot: number) => number,
): Generator<Reading[]> {
  const slots = Math.ceil(count / KEYS);
  let emitted = 0;
  for (let s = 0; s < slots + 2 && emitted < count; s++) {
    const batch: Reading[] = [];
    for (let k = 0; k < KEYS && emitted < count; k++) {
      const i = s - (k % 3);
      if (i < 0 || i >= slots) continue;
      batch.push({ meter: k, ts: BASE + i * INTERVAL, kWh: kWh(k, i) });
      emitted++;
    }
    yield batch;
  }
}

/** The same readings as an eventide `Source` (structurally: `open()` → `read()`). */
export function readingSource(count: number, kWh: (meter: number, slot: number) => number) {
  return {
    // Its position is the number of batches read (opening at one regenerates and skips them).
    open(position?: unknown) {
      const it = meterReadings(count, kWh);
      let batches = 0;
      for (const skip = typeof position === 'number' ? position : 0; batches < skip; batches++) it.next();
      return {
        read: (): Reading[] | null => {
          const batch = it.next().value ?? null;
          if (batch !== null) batches++;
          return batch;
        },
        position: () => batches,
      };
    },
  };
}

/** One variant's run, as the child prints it and the parent reads it. */
export interface Measurement<R> {
  variant: string;
  count: number;
  seconds: number;
  perSecond: number;
  peakRssMiB: number;
  result: R;
}

/** In the child: runs `run`, then prints its measurement as one JSON line. */
export async function reportFromChild<R>(
  variant: string,
  count: number,
  run: () => R | Promise<R>,
): Promise<void> {
  const started = performance.now();
  const result = await run();
  const seconds = (performance.now() - started) / 1000;
  const m: Measurement<R> = {
    variant,
    count,
    seconds,
    perSecond: count / seconds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    result,
  };
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

/**
 * In the parent: runs `script --variant <variant> --<countFlag> <count>` in a fresh Node process
 * (with `nodeFlags` first) and returns what it reported.
 */
export function measureInChild<R>(
  script: string,
  variant: string,
  countFlag: string,
  count: number,
  nodeFlags: readonly string[] = [],
): Measurement<R> {
  const args = [
    ...nodeFlags,
    ...process.execArgv,
    script,
    '--variant',
    variant,
    `--${countFlag}`,
    String(count),
  ];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Measurement<R>;
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
