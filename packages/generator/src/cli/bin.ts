#!/usr/bin/env node
import { redactStandardStreams } from '@eventide/core/node';
import { main } from './main';

// Every line printed goes out without the passwords of the URLs it was given.
redactStandardStreams();

main(process.argv.slice(2)).then(
  ({ code }) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`eventide-gen: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
