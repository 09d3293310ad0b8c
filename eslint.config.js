import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.serverless/', '.esbuild/', 'coverage/', '.kubemend/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // Adapters implement async ports with synchronous engines (node:sqlite): async is the contract.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    // A function that does not fit on a screen is usually two decisions and a loop: name them.
    files: ['lib/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }] },
  },
  { files: ['*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['*.js'], rules: { 'no-restricted-syntax': 'off' } },
  {
    files: ['tests/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // serverless-esbuild's plugins file contract is a default export.
    files: ['scripts/esbuild-plugins.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // jest's globalSetup/globalTeardown contract is a default export.
    files: ['tests/testenv/global-*.ts'],
    rules: { 'no-restricted-syntax': 'off', 'no-var': 'off' },
  },
  prettier,
);
