/** Snapshots are JSON-safe: infinite times (no watermark yet, end of input) travel as strings. */
export function encodeTime(t: number): number | string {
  return Number.isFinite(t) ? t : String(t);
}

/** The inverse of `encodeTime`: a timestamp from its JSON-safe form (±∞ included). */
export function decodeTime(v: unknown): number {
  return typeof v === 'string' ? Number(v) : (v as number);
}

type FieldType = 'array' | 'object' | 'number' | 'time' | 'boolean';

/**
 * Checks that restored state has the fields an operator writes, so a checkpoint of another
 * operator fails with a message instead of a TypeError deep inside. Throws an Error naming the
 * first field that does not fit.
 */
export function expectShape(state: unknown, fields: Readonly<Record<string, FieldType>>): void {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw new Error(`expected an object with ${Object.keys(fields).join(', ')}, got ${describe(state)}`);
  }
  for (const [name, type] of Object.entries(fields)) {
    const v = (state as Record<string, unknown>)[name];
    const ok =
      type === 'array'
        ? Array.isArray(v)
        : type === 'object'
          ? v !== null && typeof v === 'object' && !Array.isArray(v)
          : type === 'time'
            ? typeof v === 'number' || (typeof v === 'string' && !Number.isNaN(Number(v)))
            : typeof v === type;
    if (!ok)
      throw new Error(
        `field "${name}" should be ${type === 'time' ? 'a time' : `a ${type}`}, got ${describe(v)}`,
      );
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}
