// One worker's share of the metering job: runs the pipeline on services i ≡ index (mod count)
// into its own exactly-once files; stops with a checkpoint when the parent asks.
import { parentPort, workerData } from 'node:worker_threads';
import type { StopOptions } from '@eventide/core';
import { type MeteringOptions, type MeteringOutput, runMetering } from './pipeline';

const port = parentPort!;
const { options, output } = workerData as { options: MeteringOptions; output: MeteringOutput };
let stop: ((o?: StopOptions) => Promise<void>) | undefined;
let stopAsked = false;
port.on('message', (m: { kind: string }) => {
  if (m.kind === 'stop') {
    stopAsked = true;
    void stop?.({ checkpoint: true });
  }
});

const result = await runMetering(
  options,
  {
    progress: (done, total, rows) => {
      if (done % 12 === 0 || done === total) port.postMessage({ kind: 'progress', done, total, rows });
    },
  },
  {
    ...output,
    onStart: (s) => {
      stop = s;
      if (stopAsked) void s({ checkpoint: true });
    },
  },
);
port.postMessage({ kind: 'done', result });
port.close();
