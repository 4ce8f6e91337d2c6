import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The examples read one way: each example imports the shared domain (examples/domain), the domain
// imports no example, and no example imports another.

const examples = join(dirname(fileURLToPath(import.meta.url)), '..');
const relativeImports = (dir: string) =>
  readdirSync(join(examples, dir))
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) =>
      [...readFileSync(join(examples, dir, f), 'utf8').matchAll(/from '(\.\.\/[^']+)'/g)].map(
        (m) => `${f}: ${m[1]}`,
      ),
    );

describe('examples layout', () => {
  it('the domain imports no example', () => {
    expect(relativeImports('domain')).toEqual([]);
  });

  it('an example imports the domain, never another example', () => {
    const examplesDirs = readdirSync(examples, { withFileTypes: true })
      // folders starting with a dot are generated (the doc test's blocks, test output), not examples
      .filter(
        (d) =>
          d.isDirectory() && !d.name.startsWith('.') && !['domain', 'node_modules', 'out'].includes(d.name),
      )
      .map((d) => d.name);
    expect(examplesDirs.length).toBeGreaterThan(4);
    for (const dir of examplesDirs) {
      const crossing = relativeImports(dir).filter((i) => !/: \.\.\/(domain|\.\.\/scripts)\//.test(i));
      expect(crossing, dir).toEqual([]);
    }
  });
});
