/**
 * `pnpm --filter @eventide/generator calibration`: what a seeded fleet measures against the figures
 * the `nyc` calibration is meant to reproduce (the tests assert the same bounds on a smaller fleet).
 *
 * Usage: pnpm --filter @eventide/generator calibration [-- --households 300 --seed 11]
 */
import { parseArgs } from 'node:util';
import { formatFigures, measure } from '../test/helpers/calibration';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { households: { type: 'string', default: '300' }, seed: { type: 'string', default: '11' } },
});
const households = Number(values.households);
const seed = Number(values.seed);
const t0 = performance.now();
const figures = measure({ households, seed });
console.log(`@eventide/generator calibration: nyc, seed ${seed}, ${households} households per figure\n`);
console.log(formatFigures(figures));
console.log(
  `\n${figures.filter((f) => !f.ok).length} of ${figures.length} off their anchors (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
);
