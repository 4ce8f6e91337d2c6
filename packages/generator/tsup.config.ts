import { packageConfig } from '../../tsup.config.base';

export default packageConfig(
  { index: 'src/index.ts', node: 'src/node/index.ts', cli: 'src/cli/bin.ts' },
  { external: ['@eventide/core', 'rxjs'] },
);
