import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Synth and validation tests run real renders; the machine has 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The JSON report lets .ci/run print vitest's own counts as a plain `N passed, N failed` line.
    reporters: ['default', 'json'],
    outputFile: { json: '.cache/vitest-results.json' },
  },
});
