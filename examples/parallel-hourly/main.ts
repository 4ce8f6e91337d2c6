// Hourly electricity per borough on 2 worker threads, 8 key groups (the README's scale-out block).
import { combineKeyGroups, connectParallel, FileCheckpointStorage, FileSink } from '@eventide/core/node';
import type hourlyByBorough from './pipeline';
import type { BoroughHour } from './pipeline';

const job = await connectParallel<unknown, ReturnType<typeof hourlyByBorough>>(
  new URL('./pipeline.ts', import.meta.url),
  {
    workers: 2,
    keyGroups: 8, // fixed for the job's life; the number of workers is not
    outputs: {
      // each group holds a borough's part of an hour: the parts are added up once every group is past it
      perBorough: (parts) =>
        combineKeyGroups(
          parts,
          (b) => `${b.borough}|${b.hour}`,
          (ps): BoroughHour => ({ ...ps[0]!, kWh: ps.reduce((a, p) => a + p.kWh, 0) }),
        ).sinkTo(
          new FileSink<BoroughHour>('out/boroughs.csv', {
            header: 'borough,hour,kWh\n',
            format: (rows) => rows.map((r) => `${r.borough},${r.hour},${r.kWh.toFixed(3)}\n`).join(''),
          }),
        ),
    },
    checkpoints: { storage: new FileCheckpointStorage('out/.checkpoints'), intervalMs: 1000 },
  },
);
job.start();
await job.done;
console.log(`${job.keyGroupMetrics().readings?.recordsOut} readings in 8 key groups on 2 workers`);
