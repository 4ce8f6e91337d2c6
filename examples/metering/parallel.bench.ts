// The main job on worker threads (`connectParallel`, 8 key groups of premises): throughput with 1
// and 2 workers, and the whole pipeline in one thread (no key groups) for reference, in
// interleaved rounds (best of each), CSV outputs and checkpoints every 10 s as `pnpm start` does.
// The ratio that matters on a 2-core machine is 2 workers over 1 worker (target ≥ 1.7×).
// Usage: pnpm --filter @eventide/examples bench:parallel [-- --services N --days D --rounds R]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runMeteringParallel } from './parallel';
import { DEFAULT_START, type MeteringOutput, runMetering } from './pipeline';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    services: { type: 'string', default: '1000' },
    days: { type: 'string', default: '7' },
    rounds: { type: 'string', default: '2' },
  },
});
const options = {
  services: Number(values.services),
  days: Number(values.days),
  seed: 42,
  start: DEFAULT_START,
};
const output = (): MeteringOutput => {
  const dir = mkdtempSync(join(tmpdir(), 'metering-parallel-bench-'));
  return { dir, format: 'csv', checkpointDir: join(dir, '.checkpoints'), checkpointInterval: { ms: 10_000 } };
};
const kinds = ['one thread', '1 worker', '2 workers'] as const;
const best = new Map<(typeof kinds)[number], number>();
const n = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(
  `main job: ${options.services} services, ${options.days} days (seed 42), ${values.rounds} interleaved rounds`,
);
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const kind of kinds) {
    const r =
      kind === 'one thread'
        ? await runMetering(options, {}, output())
        : await runMeteringParallel(options, kind === '1 worker' ? 1 : 2, output());
    const rate = r.records / r.seconds;
    best.set(kind, Math.max(best.get(kind) ?? 0, rate));
    console.log(
      `  round ${round}  ${kind.padEnd(10)} ${r.seconds.toFixed(1).padStart(5)} s  ${n(rate).padStart(8)} readings/s`,
    );
  }
}
const one = best.get('1 worker')!;
for (const kind of kinds) {
  console.log(
    `${kind.padEnd(10)} best ${n(best.get(kind)!).padStart(8)} readings/s  ${(best.get(kind)! / one).toFixed(2)}× 1 worker`,
  );
}
console.log(
  `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB (this process; workers are threads of it)`,
);
