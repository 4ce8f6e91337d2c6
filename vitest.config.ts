import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@eventide/source'] },
  ssr: { resolve: { conditions: ['@eventide/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts'],
    setupFiles: ['./scripts/fast-check-setup.ts'],
    globalSetup: ['./scripts/global-setup.ts'],
    testTimeout: 60_000,
    // Vitest's default is one worker on a 2-core machine (cores − 1), which runs the files one by
    // one; many of them wait on child processes and servers, so two keep both cores busy.
    maxWorkers: 2,
  },
});
