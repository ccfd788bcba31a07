import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Synth and validation tests run real renders; the machine has 2 cores.
    testTimeout: 60_000,
    // As the CLI does (src/cli.ts): no AWS SDK notice about Node 20 in the output of tests that call AWS code directly.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 60_000,
    // The JSON report lets .ci/run print vitest's own counts as a plain `N passed, N failed` line.
    reporters: ['default', 'json'],
    outputFile: { json: '.cache/vitest-results.json' },
  },
});
