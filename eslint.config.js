// Lint, including the architecture: each layer may import only the layers beneath it.
//   core ← text ← detectors ← policy ← pipeline ← gateway, mcp (side by side) ← main.ts / cli
//   core ← limits, audit, keys, idempotency, telemetry, tools, review, ops (domain logic and the store interfaces)
//   adapters (sqlite, postgres, redis) implement those interfaces; only main.ts and the CLI create them.
//   dashboard/ (the console, a browser app) imports nothing from src/: it talks to the admin API over HTTP.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, why) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: [{ group: forbidden, message: why }] },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.palisade-tmp/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', clearImmediate: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly', fetch: 'readonly', Response: 'readonly', Request: 'readonly', Headers: 'readonly', ReadableStream: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Only src/config reads the environment; pass values in.' },
      ],
    },
  },
  layer(['src/core/**'], ['../*', '../**'], 'core imports nothing internal.'),
  layer(['src/text/**'], ['**/detectors/**', '**/policy/**', '**/pipeline/**', '**/cli/**', '**/config/**'], 'text depends only on core.'),
  layer(['src/detectors/**'], ['**/policy/**', '**/pipeline/**', '**/cli/**', '**/config/**'], 'detectors depend on core and text only.'),
  layer(['src/policy/**'], ['**/pipeline/**', '**/cli/**'], 'policy must not depend on the pipeline or the CLI.'),
  layer(['src/pipeline/**'], ['**/cli/**', '**/gateway/**', '**/mcp/**', '**/adapters/**', '**/config/**', '**/main.js'], 'the pipeline must not depend on the gateway, adapters, config or CLI.'),
  layer(
    ['src/limits/**', 'src/audit/**', 'src/keys/**', 'src/idempotency/**', 'src/telemetry/**', 'src/tools/**', 'src/review/**', 'src/ops/**'],
    ['**/text/**', '**/detectors/**', '**/policy/**', '**/pipeline/**', '**/gateway/**', '**/mcp/**', '**/adapters/**', '**/cli/**', '**/config/**', '**/main.js'],
    'domain modules depend on core (and each other) only; stores are passed in.',
  ),
  layer(['src/adapters/**'], ['**/gateway/**', '**/mcp/**', '**/cli/**', '**/config/**', '**/pipeline/**', '**/main.js'], 'adapters implement store interfaces; they do not know the gateway.'),
  layer(['src/gateway/**'], ['**/adapters/**', '**/cli/**', '**/main.js', '**/mcp/**'], 'the gateway gets its stores passed in; only main.ts and the CLI create adapters.'),
  layer(['src/mcp/**'], ['**/adapters/**', '**/cli/**', '**/main.js', '**/gateway/**'], 'the MCP proxy gets its stores passed in (only main.ts and the CLI create adapters) and stands beside the gateway, not on it.'),
  {
    files: ['src/evals/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)gateway/(?!upstream/test-support/)', message: 'evals run against the engine or over HTTP; they do not reach into the gateway (its test upstream excepted).' },
            { group: ['**/mcp/**', '**/adapters/**', '**/cli/**', '**/main.js'], message: 'evals get their engine and stores passed in; only main.ts and the CLI create adapters.' },
          ],
        },
      ],
    },
  },
  layer(['src/config/**'], ['**/gateway/**', '**/adapters/**', '**/cli/**', '**/main.js'], 'config reads files and the environment; it does not build anything.'),
  layer(['dashboard/**'], ['**/src/**', '../../src/**', '../../../src/**'], 'the console talks to the gateway only through the admin API; it imports nothing from src/.'),
  {
    files: ['src/config/**', 'bench/**', 'training/**', '**/*.test.ts', '**/test-support/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
