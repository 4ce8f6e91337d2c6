// One key group's task of the main job on worker threads (`--workers N`, see parallel.ts): the
// whole pipeline over the premises of its key group, written once for every group.
import type { KeyGroupContext } from '@eventide/core/node';
import { type AlertPattern, DEFAULT_PATTERNS } from '../domain/patterns';
import { generatedInput, type MeteringOptions, meteringStreams } from './pipeline';

/** What every task is given (plain data: it is copied into each worker). */
export type KeyGroupOptions = Pick<
  MeteringOptions,
  'services' | 'days' | 'start' | 'seed' | 'intervalMinutes' | 'anomalies' | 'faults' | 'speed'
> & { readonly patterns?: readonly AlertPattern[] };

export default function meteringKeyGroup({ keyGroup, keyGroups, options }: KeyGroupContext<KeyGroupOptions>) {
  const input = generatedInput({ ...options, partition: { index: keyGroup, count: keyGroups } }, {}, true);
  // theft's peers are judged over every key group, in the main thread (parallel.ts)
  const { streams } = meteringStreams(input, options.patterns ?? DEFAULT_PATTERNS, 'days');
  return { ...streams, theftDays: streams.theftDays!, labels: input.labelStream! };
}
