/** An event's identity in a key's buffer: its timestamp and arrival sequence. Orders events. */
export interface EventId {
  readonly ts: number;
  readonly seq: number;
}

export function compareEventIds(a: EventId, b: EventId): number {
  return a.ts - b.ts || a.seq - b.seq;
}
