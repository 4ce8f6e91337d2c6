/** A pattern that cannot be compiled. The message starts with the API at fault and says what to change. */
export class MalformedPatternError extends Error {
  override readonly name = 'MalformedPatternError';
}
