// One worker's share of the metering job: runs the pipeline on services i ≡ index (mod count) and
// posts its outputs to the parent in chunks.
import { parentPort, workerData } from 'node:worker_threads';
import { invalidRow, type MeteringOptions, runMetering } from './pipeline';

const port = parentPort!;
const options = workerData as MeteringOptions;
const buffers = new Map<string, unknown[]>();

function sink(kind: string): (row: unknown) => void {
  const rows: unknown[] = [];
  buffers.set(kind, rows);
  return (row) => {
    rows.push(row);
    if (rows.length >= 2000) port.postMessage({ kind, rows: rows.splice(0) });
  };
}

const invalid = sink('invalid');
const result = await runMetering(options, {
  hourlyZip: sink('zip'),
  hourlyBorough: sink('borough'),
  dailyUse: sink('daily'),
  alert: sink('alert'),
  late: sink('late'),
  invalid: (r) => invalid(invalidRow(r)),
  progress: (done, total, rows) => {
    if (done % 12 === 0 || done === total) port.postMessage({ kind: 'progress', done, total, rows });
  },
});
for (const [kind, rows] of buffers) if (rows.length > 0) port.postMessage({ kind, rows });
port.postMessage({ kind: 'done', result });
