// ESLint (flat config): a small ruleset that catches real mistakes, plus the one-way imports between layers.
// Data and imports flow config → charts → apps → src (render, commands) → dist; bootstrap/ reads config/ only.
// `npm run lint` runs it; .ci/run too.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Folders each layer must not import from (relative imports; the layers above it). test/layers.test.ts reads this
 * map too, so `npm test` fails on an upward import as well.
 */
export const FORBIDDEN = {
  config: ['charts', 'apps', 'src', 'bootstrap'],
  charts: ['apps', 'src', 'bootstrap'],
  apps: ['src', 'bootstrap'],
  bootstrap: ['charts', 'apps', 'src'],
};

/** no-restricted-imports for one layer. */
function layerRule(layer) {
  return [
    'error',
    {
      patterns: [
        {
          regex: `^(?:\\.\\./)+(?:${FORBIDDEN[layer].join('|')})/`,
          message: `${layer}/ must not import from ${FORBIDDEN[layer].map((d) => `${d}/`).join(', ')}: imports flow config → charts → apps → src. Pass the value in as an argument, or move the shared piece down.`,
        },
      ],
    },
  ];
}

export default tseslint.config(
  { ignores: ['dist/', 'imports/', 'node_modules/', '.cache/', 'coverage/', '.imports-*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', performance: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', URL: 'readonly', require: 'readonly', __dirname: 'readonly', structuredClone: 'readonly' } },
    rules: {
      // tsc's noUnusedLocals/noUnusedParameters already report these.
      '@typescript-eslint/no-unused-vars': 'off',
      eqeqeq: ['error', 'always'],
      // Flags a deliberate reset in src/diff/format.ts; tsc and review cover dead stores well enough.
      'no-useless-assignment': 'off',
    },
  },
  {
    // Tests build loose YAML documents; `any` there is the point.
    files: ['test/**/*.ts'],
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  ...Object.keys(FORBIDDEN).map((layer) => ({ files: [`${layer}/**/*.ts`], rules: { 'no-restricted-imports': layerRule(layer) } })),
  {
    // The CLI imports the commands; what they share with it lives below them, in src/commands/common.ts.
    files: ['src/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?:\\.\\./)+cli(?:\\.ts)?$', message: 'commands must not import src/cli.ts: import GlobalArgs, EXIT_CODES or report from ./common.ts.' }] }],
    },
  },
);
