import { defineConfig, type Options } from 'tsup';

/** The one build shape every package shares: ESM + CJS + .d.ts, tree-shakeable, with sourcemaps. */
export function packageConfig(entry: Record<string, string>, extra: Partial<Options> = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    treeshake: true,
    target: 'es2022',
    outDir: 'dist',
    ...extra,
  });
}
