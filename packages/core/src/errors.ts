/** A user function threw inside an operator (fail-fast policy). Names the operator, key and timestamp. */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
  constructor(
    readonly operator: string,
    readonly key: unknown,
    readonly timestamp: number,
    override readonly cause: unknown,
  ) {
    const where = `operator "${operator}"${key === undefined ? '' : `, key ${formatKey(key)}`}, timestamp ${timestamp}`;
    super(`${where}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** An invalid argument given to an API at construction time. The message starts with the API name. */
export class IllegalArgumentError extends Error {
  override readonly name = 'IllegalArgumentError';
}

function formatKey(key: unknown): string {
  try {
    return typeof key === 'string' ? JSON.stringify(key) : String(key);
  } catch {
    return '[unprintable]';
  }
}
