import { CEP, Pattern } from '@eventide/cep';
import type { DataStream } from '@eventide/core';
import { type Alert, alert } from './alert';
import type { Usage } from './usage';

/**
 * How long a meter must be silent to count as stopped: three 5-minute intervals. Rows delayed on
 * their way are waited for by the watermark (35 minutes), and one malformed row leaves a gap of ten
 * minutes, so a quarter of an hour of silence in event time is a meter that did not report.
 */
export const SILENCE_MS = 15 * 60_000;

/**
 * A service that stopped reporting: a reading, then none for a quarter of an hour (`SILENCE_MS`). `dataEnd` is where the input
 * stops: an absence running past it cannot be judged (the end-of-input watermark would otherwise
 * release every service's last reading).
 */
export function stoppedReporting(usage: DataStream<Usage>, dataEnd: number): DataStream<Alert> {
  const silence = Pattern.begin<Usage>('last').notFollowedBy('next').within(SILENCE_MS);
  return CEP.pattern(
    usage.keyBy((u) => u.service_uid),
    silence,
  )
    .select((m) => {
      const [last] = m.last!;
      return alert(
        'stopped-reporting',
        last!,
        last!.ts + SILENCE_MS,
        `no reading for 15 minutes after ${new Date(last!.ts).toISOString()}`,
      );
    })
    .filter((a) => a.at_ms < dataEnd)
    .name('stopped-reporting');
}
