// The main job until the metering pipeline lands: a seeded fleet of meters, hourly consumption in
// event time, late and invalid readings counted. `pnpm start -- --help` lists the flags.
import { parseArgs } from 'node:util';
import { runDemo } from './demo';

// `pnpm start -- --flag` hands the `--` separator through; drop it.
const argv = process.argv.slice(2);
if (argv[0] === '--') argv.shift();

function parse() {
  try {
    return parseArgs({
      args: argv,
      options: {
        meters: { type: 'string', default: '2000' },
        hours: { type: 'string', default: '24' },
        seed: { type: 'string', default: '42' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\nSee --help.`);
    process.exit(2);
  }
}
const { values } = parse();

if (values.help) {
  console.log(`eventide core demo: hourly consumption of a simulated meter fleet, in event time

  --meters N   meters to simulate (default 2000)
  --hours N    hours of 5-minute readings (default 24)
  --seed N     random seed (default 42)`);
  process.exit(0);
}

function positiveInt(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`--${name} must be a positive integer, got ${raw}`);
    process.exit(2);
  }
  return n;
}

const options = {
  meters: positiveInt('meters', values.meters),
  hours: positiveInt('hours', values.hours),
  seed: positiveInt('seed', values.seed),
  lateRate: 0.002,
};
const started = performance.now();
const result = await runDemo(options);
const seconds = (performance.now() - started) / 1000;
console.log('hour (UTC)      kWh       meters');
for (const h of result.hourly) console.log(`${h.hour}   ${h.kWh.toFixed(3).padStart(9)}  ${h.meters}`);
console.log(
  `\n${result.records.toLocaleString('en-US')} readings in ${seconds.toFixed(2)} s ` +
    `(${Math.round(result.records / seconds).toLocaleString('en-US')}/s); ` +
    `late (behind the watermark): ${result.late}; invalid: ${result.invalid}`,
);
