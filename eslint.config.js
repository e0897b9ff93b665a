// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

/** Packages that talk to the outside world: Google clients, Kubernetes, Firestore, auth. */
const clientLibraries = [
  '@google-cloud/*',
  '@googleapis/*',
  'googleapis',
  'firebase-admin',
  'firebase-admin/*',
  'google-auth-library',
  '@kubernetes/client-node',
];

/** Node built-ins that do I/O or depend on the process's environment. */
const ioModules = [
  'fs',
  'fs/*',
  'node:fs',
  'node:fs/*',
  'http',
  'https',
  'node:http',
  'node:https',
  'net',
  'node:net',
  'dgram',
  'node:dgram',
  'dns',
  'node:dns',
  'child_process',
  'node:child_process',
  'worker_threads',
  'node:worker_threads',
  'tls',
  'node:tls',
];

const pureLayerRule = (extra = []) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          group: [...clientLibraries, ...ioModules],
          message:
            'shared/spec, shared/plan and shared/analysis are pure: no client libraries and no I/O (DESIGN.md "Layout").',
        },
        ...extra,
      ],
    },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'fetch', message: 'Pure layers do no I/O.' },
    {
      name: 'process',
      message: 'Pure layers do not read the environment; take it as a parameter.',
    },
  ],
});

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'dist/**', '.local/**', 'coverage/**', 'cli/egressctl.js'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['shared/spec/**/*.ts'],
    rules: pureLayerRule([
      {
        group: ['**/plan/*', '**/analysis/*', '**/steps/*', '**/gcp/*', '**/kube/*', '**/state/*'],
        message: 'shared/spec imports nothing of the other layers.',
      },
    ]),
  },
  {
    files: ['shared/plan/**/*.ts'],
    rules: pureLayerRule([
      {
        group: ['**/analysis/*', '**/steps/*', '**/gcp/*', '**/kube/*', '**/state/*'],
        message: 'shared/plan may import only shared/spec.',
      },
    ]),
  },
  {
    files: ['shared/analysis/**/*.ts'],
    rules: pureLayerRule([
      {
        group: ['**/steps/*', '**/gcp/*', '**/kube/*', '**/state/*'],
        message: 'shared/analysis may import only shared/spec and shared/plan.',
      },
    ]),
  },
  {
    // Steps see interfaces only: the composition root (functions/, cli/, local/) hands them clients.
    files: ['shared/steps/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...clientLibraries, ...ioModules],
              message:
                'shared/steps see interfaces only; clients are built in functions/, cli/ or local/.',
            },
            {
              group: ['**/gcp/*', '**/kube/*', '**/state/*'],
              allowTypeImports: true,
              message: 'shared/steps may import only the types of adapters and stores.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/gcp/client-options.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'NewExpression[callee.name=/^(Firestore|PubSub|ExecutionsClient|ClusterManagerClient|KubeConfig|DNS)$/]',
          message: 'Only functions/, cli/ and local/ compose real clients.',
        },
      ],
    },
  },
  prettier,
);
