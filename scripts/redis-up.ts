// `pnpm redis`: a password-protected redis-server for trying the Redis walk-through (README),
// on a free port bound to 127.0.0.1 (or --port N), installed with apt-get when it is missing.
// Prints its URL (and writes it to --url-file when given); Ctrl-C stops it and deletes its data.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startRedis } from './redis-server';

const { values } = parseArgs({ options: { port: { type: 'string' }, 'url-file': { type: 'string' } } });
const server = await startRedis(values.port === undefined ? {} : { port: Number(values.port) });
if (values['url-file'] !== undefined) writeFileSync(values['url-file'], server.url);
process.stdout.write(
  `redis-server on 127.0.0.1:${server.port}, password required\n${server.url}\nCtrl-C stops it.\n`,
);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
