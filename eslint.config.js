// ESLint for every JavaScript file of the project: its recommended correctness rules and
// the house style (@stylistic, set to what the code already does), checked in `npm test`
// by scripts/lint.sh. `npm run format` applies the fixable ones.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import globals from 'globals';

export default [
  {
    ignores: ['node_modules/', 'dist/', 'build/', 'web/core/', 'web/vendor/', 'test-results/', 'bench/results/'],
  },
  js.configs.recommended,
  stylistic.configs.customize({
    indent: 2,
    quotes: 'single',
    semi: true,
    braceStyle: '1tbs',
    commaDangle: 'always-multiline',
    arrowParens: true,
    jsx: false,
  }),
  {
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.node, ...globals.worker },
    },
    rules: {
      // Unused arguments keep callback signatures readable (sources(z, head, r, c, mark)).
      'no-unused-vars': ['error', { args: 'none', caughtErrors: 'none', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Long lines of data and tables read better whole; the style below is what the code does.
      '@stylistic/max-len': 'off',
      '@stylistic/operator-linebreak': 'off',
      '@stylistic/multiline-ternary': 'off',
      '@stylistic/max-statements-per-line': 'off',
      '@stylistic/indent-binary-ops': 'off',
      '@stylistic/list-style': 'off',
      '@stylistic/quote-props': ['error', 'as-needed', { numbers: true }],
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true }],
      '@stylistic/brace-style': ['error', '1tbs', { allowSingleLine: true }],
      '@stylistic/arrow-parens': ['error', 'always'],
      '@stylistic/generator-star-spacing': ['error', { before: false, after: true }],
    },
  },
];
