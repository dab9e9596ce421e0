import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/**/*.test.ts',
      'core/**/*.test.ts',
      'db/**/*.test.ts',
      'cli/**/*.test.ts',
      'local/**/*.test.ts',
    ],
    globalSetup: ['test/support/global-setup.ts', 'test/support/build-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: database-heavy files run two at a time.
    maxWorkers: 2,
  },
});
