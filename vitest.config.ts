import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@eventide/source'] },
  ssr: { resolve: { conditions: ['@eventide/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts'],
    setupFiles: ['./scripts/fast-check-setup.ts'],
    globalSetup: ['./scripts/global-setup.ts'],
    testTimeout: 60_000,
  },
});
