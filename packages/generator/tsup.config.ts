import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.config.base';

const external = ['@eventide/core', '@eventide/redis', 'rxjs'];

export default defineConfig([
  packageConfig({ index: 'src/index.ts', node: 'src/node/index.ts' }, { external, clean: false }),
  // the bin: one ESM file, no types (nothing imports it)
  {
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'es2022',
    outDir: 'dist',
    external,
  },
]);
