import { redactCredentials } from '../internal/redact';

let installed = false;

/**
 * Makes every string this process writes to stdout and stderr go out through
 * `redactCredentials`: a command-line program's own lines, a library's messages and a stack
 * trace alike lose the passwords of the URLs they quote. For programs, not libraries: it changes
 * the process's streams. Calling it again does nothing.
 *
 * @example
 * redactStandardStreams();
 * console.log('writing to postgres://app:s3cret@db/x'); // writing to postgres://app:***@db/x
 */
export function redactStandardStreams(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(typeof chunk === 'string' ? redactCredentials(chunk) : chunk, ...rest)) as typeof stream.write;
  }
}
