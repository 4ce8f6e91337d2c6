import { CEP, Pattern } from '@eventide/cep';
import type { DataStream } from '@eventide/core';
import { type Alert, alert } from './alert';
import type { Usage } from './usage';

const HOUR_MS = 3_600_000;

/**
 * A service that stopped reporting: a reading, then none for an hour. `dataEnd` is where the input
 * stops: an absence running past it cannot be judged (the end-of-input watermark would otherwise
 * release every service's last reading).
 */
export function stoppedReporting(usage: DataStream<Usage>, dataEnd: number): DataStream<Alert> {
  const silence = Pattern.begin<Usage>('last').notFollowedBy('next').within(HOUR_MS);
  return CEP.pattern(
    usage.keyBy((u) => u.service_uid),
    silence,
  )
    .select((m) => {
      const [last] = m.last!;
      return alert(
        'stopped-reporting',
        last!,
        last!.ts + HOUR_MS,
        `no reading for an hour after ${new Date(last!.ts).toISOString()}`,
      );
    })
    .filter((a) => a.at_ms < dataEnd)
    .name('stopped-reporting');
}
