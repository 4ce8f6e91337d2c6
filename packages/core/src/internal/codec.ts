/** Snapshots are JSON-safe: infinite times (no watermark yet, end of input) travel as strings. */
export function encodeTime(t: number): number | string {
  return Number.isFinite(t) ? t : String(t);
}

export function decodeTime(v: unknown): number {
  return typeof v === 'string' ? Number(v) : (v as number);
}
