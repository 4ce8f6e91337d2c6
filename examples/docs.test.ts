import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import type {} from '../scripts/redis-server';

// The doc test: every TypeScript block of README.md and the package READMEs is written to a file,
// type-checked with tsc and run, so a snippet that drifts from the code turns the suite red.
// Blocks that import './…' (or name a module with new URL('./…')) are run as if they were in
// examples/ (the README says so). The suite's Redis server is in REDIS_URL.

const examples = dirname(fileURLToPath(import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const root = join(examples, '..');
const docs = [
  'README.md',
  ...readdirSync(join(root, 'packages')).map((p) => join('packages', p, 'README.md')),
].filter((f) => existsSync(join(root, f)));
const out = join(examples, '.doc-tests');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const blocks: { name: string; file: string }[] = [];
for (const doc of docs) {
  const text = readFileSync(join(root, doc), 'utf8');
  for (const m of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const line = text.slice(0, m.index).split('\n').length;
    const name = `${doc.replace(/[/.]/g, '_')}_line_${line}`;
    const file = join(out, `${name}.ts`);
    writeFileSync(
      file,
      `${m[1]!.replace(/from '\.\//g, "from '../").replace(/new URL\('\.\//g, "new URL('../")}\nexport {};\n`,
    );
    blocks.push({ name: `${doc}:${line}`, file });
  }
}
writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { rootDir: '../..' }, include: ['*.ts'] }),
);

describe('code blocks in the READMEs', () => {
  it('there are blocks to test', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(9);
  });

  it('type-check', () => {
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', out], {
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr, 'tsc').toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it.each(blocks)(
    '$name runs',
    ({ file }) => {
      const cwd = mkdtempSync(join(tmpdir(), 'doc-test-'));
      // run from an empty folder (blocks write to out/), with tsx loaded from the workspace
      const r = spawnSync(
        process.execPath,
        ['--conditions=@eventide/source', '--import', tsx, relative(cwd, file)],
        {
          cwd,
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, REDIS_URL: inject('redisUrl') },
        },
      );
      expect(r.stderr, r.stdout).not.toMatch(/Error/);
      expect(r.status, r.stderr).toBe(0);
    },
    90_000,
  );
});
