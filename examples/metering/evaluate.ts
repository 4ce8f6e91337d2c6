// `pnpm --filter @eventide/examples evaluate`: the main job's alerts measured over many seeds.
//
// Each seed is a whole run of the main job (generated readings with every anomaly and delivery
// fault, the pipeline, the alerts) scored against the generator's labels; a table gives, per alert
// type, the labels, the alerts, and precision and recall as a mean over the seeds and the worst
// seed. Detectors were tuned on the tuning seeds (1–5); the default report is on held-out seeds
// (101–110) the tuning never saw.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ALERT_TYPES } from '../domain/alerts';
import type { Score } from '../domain/scoring';
import { runMetering } from './pipeline';

export const TUNING_SEEDS = [1, 2, 3, 4, 5];
export const HELD_OUT_SEEDS = [101, 102, 103, 104, 105, 106, 107, 108, 109, 110];

const HELP = `evaluate the main job's alerts over many seeds

usage: pnpm --filter @eventide/examples evaluate [-- options]

  --seeds <list>     seeds to run: 101-110 (default, held out from tuning), 1-5 (the tuning
                     seeds), or a list such as 7,8,9
  --services <n>     service points per run (default 1000, the main job's default)
  --days <n>         simulated days per run (default 14)
  --jobs <n>         runs at a time, each in its own process (default: CPUs, at most 4)
  --json             print the per-seed scores as JSON instead of the table
  -h, --help         this text
`;

export interface SeedResult {
  readonly seed: number;
  readonly records: number;
  readonly seconds: number;
  readonly scores: readonly Score[];
}

export function seedsOf(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`--seeds: cannot read '${part}' (use 101-110 or 1,2,3)`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let s = from; s <= to; s++) out.push(s);
  }
  return out;
}

/** One run, in this process. */
export async function evaluateSeed(seed: number, services: number, days: number): Promise<SeedResult> {
  const r = await runMetering({ seed, services, days });
  return { seed, records: r.records, seconds: r.seconds, scores: r.scores };
}

function runChild(seed: number, services: number, days: number): Promise<SeedResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@eventide/source',
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--one',
        String(seed),
        '--services',
        String(services),
        '--days',
        String(days),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let text = '';
    child.stdout.on('data', (b: Buffer) => {
      text += b.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`seed ${seed}: exit ${code}`));
      else resolve(JSON.parse(text) as SeedResult);
    });
  });
}

/** Per alert type over the seeds: sums, and mean and worst of each ratio. */
export interface Summary {
  readonly type: string;
  readonly labels: number;
  readonly alerts: number;
  readonly precision: { readonly mean: number; readonly worst: number };
  readonly recall: { readonly mean: number; readonly worst: number };
  readonly detectableRecall: { readonly mean: number; readonly worst: number };
}

export function summarise(results: readonly SeedResult[]): Summary[] {
  return ALERT_TYPES.map((type) => {
    const scores = results.map((r) => r.scores.find((s) => s.type === type)!);
    const stat = (f: (s: Score) => number) => {
      const xs = scores.map(f);
      return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, worst: Math.min(...xs) };
    };
    return {
      type,
      labels: scores.reduce((a, s) => a + s.labels, 0),
      alerts: scores.reduce((a, s) => a + s.alerts, 0),
      precision: stat((s) => s.precision),
      recall: stat((s) => s.recall),
      detectableRecall: stat((s) => s.detectableRecall),
    };
  });
}

export function formatSummary(rows: readonly Summary[]): string {
  const f = (x: number) => x.toFixed(2);
  return [
    'alert              labels  alerts  precision (mean / worst)  recall (mean / worst)  detectable recall',
    ...rows.map(
      (r) =>
        `${r.type.padEnd(18)} ${String(r.labels).padStart(6)}  ${String(r.alerts).padStart(6)}  ${`${f(r.precision.mean)} / ${f(r.precision.worst)}`.padStart(24)}  ${`${f(r.recall.mean)} / ${f(r.recall.worst)}`.padStart(21)}  ${`${f(r.detectableRecall.mean)} / ${f(r.detectableRecall.worst)}`.padStart(17)}`,
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      seeds: { type: 'string', default: '101-110' },
      services: { type: 'string', default: '1000' },
      days: { type: 'string', default: '14' },
      jobs: { type: 'string' },
      one: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const services = Number(values.services);
  const days = Number(values.days);
  if (!(Number.isInteger(services) && services > 0))
    throw new Error(`--services: a positive whole number, got '${values.services}'`);
  if (!(Number.isFinite(days) && days > 0))
    throw new Error(`--days: a positive number, got '${values.days}'`);
  if (values.one !== undefined) {
    process.stdout.write(JSON.stringify(await evaluateSeed(Number(values.one), services, days)));
    return;
  }
  const seeds = seedsOf(values.seeds!);
  const jobs = Number(values.jobs ?? Math.min(4, availableParallelism()));
  const started = performance.now();
  const results: SeedResult[] = [];
  const queue = [...seeds];
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(jobs, seeds.length)) }, async () => {
      for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
        const r = await runChild(s, services, days);
        results.push(r);
        process.stderr.write(
          `seed ${s}: ${r.records.toLocaleString('en-US')} readings in ${r.seconds.toFixed(0)} s\n`,
        );
      }
    }),
  );
  results.sort((a, b) => a.seed - b.seed);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  const held = seeds.every((s) => !TUNING_SEEDS.includes(s));
  process.stdout.write(
    `${seeds.length} seeds (${values.seeds}; ${held ? 'held out: not used to tune the detectors' : 'includes tuning seeds 1–5'}), ${services} services × ${days} days each, ${((performance.now() - started) / 1000).toFixed(0)} s\n\n${formatSummary(summarise(results))}\n\nrecall counts every label of the types an alert answers to; detectable recall only those the data hold enough of (scoring.ts)\n`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
