/** A generator configuration that cannot be built; the message starts with the API name. */
export class GeneratorConfigError extends Error {
  override readonly name = 'GeneratorConfigError';
}
