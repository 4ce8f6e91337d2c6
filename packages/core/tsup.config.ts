import { packageConfig } from '../../tsup.config.base';

export default packageConfig(
  { index: 'src/index.ts', operator: 'src/operator.ts', node: 'src/node/index.ts' },
  { external: ['rxjs'] },
);
