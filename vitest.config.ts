import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Synth and validation tests run real renders; the machine has 2 cores.
    testTimeout: 60_000,
    // Vitest's default is one worker less than the cores: one worker on a 2-core machine, though many tests wait on
    // child processes and the disk. Two overlap them (92 s -> 64 s for `npm test` on the 2-core CI machine).
    maxWorkers: Math.max(2, availableParallelism()),
    // Test files share a worker's loaded modules (cdk8s, cdk8s-plus-28, the AWS SDK...) instead of loading them
    // again for each of the 56 files: about a third less CPU. Safe because tests restore what they change
    // (env stubs, console spies, AWS client mocks) and build their inputs in temporary folders; a shuffled run
    // (--sequence.shuffle.files) passes too.
    isolate: false,
    // As the CLI does (src/cli.ts): no AWS SDK notice about Node 20 in the output of tests that call AWS code directly.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 60_000,
    // The JSON report lets .ci/run print vitest's own counts as a plain `N passed, N failed` line.
    reporters: ['default', 'json'],
    outputFile: { json: '.cache/vitest-results.json' },
  },
});
