// Lint, including the architecture: each layer may import only the layers beneath it.
//   core ← text ← detectors ← policy ← pipeline ← cli
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
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly' } },
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
  layer(['src/pipeline/**'], ['**/cli/**'], 'the pipeline must not depend on the CLI.'),
  {
    files: ['src/config/**', 'bench/**', 'training/**', '**/*.test.ts', '**/test-support/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
