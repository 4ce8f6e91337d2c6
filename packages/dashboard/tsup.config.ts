import { packageConfig } from '../../tsup.config.base';

// `shims` gives the CJS build an `import.meta.url`, which locates the page's assets.
export default packageConfig(
  { index: 'src/index.ts' },
  { external: ['@eventide/core', 'rxjs'], shims: true },
);
