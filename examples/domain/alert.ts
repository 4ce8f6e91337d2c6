import type { Commodity } from '@eventide/generator';
import type { Usage } from './usage';

/** What every alert of the metering job looks like. */
export type AlertType = 'spike' | 'stopped-reporting' | 'leak' | 'stuck' | 'theft';
export const ALERT_TYPES: readonly AlertType[] = ['spike', 'stopped-reporting', 'leak', 'stuck', 'theft'];

export interface Alert {
  /** One of `ALERT_TYPES`, or a type a patterns file adds (`patterns.ts`). */
  readonly type: AlertType | (string & {});
  readonly service_uid: string;
  readonly commodity: Commodity;
  /** When the alert is raised (event time). */
  readonly at: string;
  readonly at_ms: number;
  /** The first interval the alert is about. */
  readonly since: string;
  readonly since_ms: number;
  readonly detail: string;
}

export function alert(type: Alert['type'], u: Usage, atMs: number, detail: string): Alert {
  return {
    type,
    service_uid: u.service_uid,
    commodity: u.commodity,
    at: new Date(atMs).toISOString(),
    at_ms: atMs,
    since: new Date(u.ts).toISOString(),
    since_ms: u.ts,
    detail,
  };
}
