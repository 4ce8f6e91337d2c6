import { packageConfig } from '../../tsup.config.base';

// `shims` gives the CJS build an `import.meta.url`, which locates the parallel worker's file.
export default packageConfig(
  {
    index: 'src/index.ts',
    operator: 'src/operator.ts',
    node: 'src/node/index.ts',
    'parallel-worker': 'src/node/parallel-worker.ts',
  },
  { external: ['rxjs'], shims: true },
);
