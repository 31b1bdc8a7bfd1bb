// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'dist-bench/',
      'node_modules/',
      '.data/',
      'coverage/',
      'openapi/',
      'bench/.work/',
      'packages/*/dist/',
      'packages/client/src/api.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'always'],
      // Node 20 can deadlock on a key made by these (test/support/key-pairs.ts says how)
      'no-restricted-imports': [
        'error',
        ...['node:crypto', 'crypto'].map((name) => ({
          name,
          importNames: ['generateKeyPairSync', 'generateKeyPair'],
          message:
            'Node 20 can deadlock on keys from a key-generation job: tests use keyPair() of test/support/key-pairs.ts, the service jose.',
        })),
        {
          name: 'class-validator',
          importNames: ['Length', 'MinLength', 'MaxLength', 'ArrayUnique'],
          message:
            'Use common/validation/length.ts: these count characters as PostgreSQL does and check uniqueness in linear time.',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'src/**/*.spec.ts'],
    // tests poke at JSON payloads of arbitrary shape
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        fetch: 'readonly',
        URL: 'readonly',
        atob: 'readonly',
        btoa: 'readonly',
        PublicKeyCredential: 'readonly',
        console: 'readonly',
        localStorage: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        process: 'readonly',
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        fetch: 'readonly',
        PublicKeyCredential: 'readonly',
      },
    },
  },
);
