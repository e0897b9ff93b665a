// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

const pureLayerRule = () => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          group: [...clientLibraries, ...ioModules],
          message:
            'shared/spec, shared/plan and shared/analysis are pure: no client libraries and no I/O (docs/architecture.md "Layout").',
        },
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

/**
 * Which shared/ layers each layer may import (docs/architecture.md "Layout"). Resolved from the file system
 * path of the import, so shared/plan/gcp/ (request bodies) is not mistaken for shared/gcp/.
 * `typeOnly` layers may be imported with `import type` only.
 */
const layerImports = {
  // lib: small pure helpers every layer may use (JSON shapes, IP addresses and ranges).
  lib: { allowed: ['lib', 'errors.ts'] },
  spec: { allowed: ['lib', 'spec', 'errors.ts'] },
  plan: { allowed: ['lib', 'spec', 'plan', 'errors.ts'] },
  analysis: { allowed: ['lib', 'spec', 'plan', 'analysis', 'errors.ts'] },
  // core: the contracts steps, adapters and composition share (the step contract, the adapters'
  // interfaces); it sits above spec and plan because a step's context names both.
  core: { allowed: ['lib', 'spec', 'plan', 'core', 'errors.ts'] },
  // analysis is pure: the tenants step proves what it applied with it.
  steps: {
    allowed: ['lib', 'spec', 'plan', 'analysis', 'core', 'steps', 'errors.ts'],
    typeOnly: ['gcp', 'kube', 'state'],
  },
  // Adapters implement core's interfaces and know nothing of the steps that use them.
  gcp: { allowed: ['lib', 'spec', 'plan', 'core', 'gcp', 'errors.ts'] },
  kube: { allowed: ['lib', 'spec', 'plan', 'core', 'kube', 'errors.ts'] },
  state: { allowed: ['lib', 'spec', 'plan', 'core', 'state', 'errors.ts'] },
};

const sharedRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), 'shared');

/** The first path segment below shared/ ('plan', 'errors.ts' ...), or undefined outside it. */
function layerOf(file) {
  const rel = path.relative(sharedRoot, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep)[0];
}

const layersPlugin = {
  rules: {
    'allowed-imports': {
      meta: { type: 'problem', schema: [] },
      create(context) {
        const from = layerOf(context.filename);
        const policy = from && layerImports[from];
        if (!policy) return {};
        const check = (node, typeOnly) => {
          const source = node.source && node.source.value;
          if (typeof source !== 'string' || !source.startsWith('.')) return;
          const target = layerOf(path.resolve(path.dirname(context.filename), source));
          if (target === undefined || policy.allowed.includes(target.replace(/\.js$/, '.ts')))
            return;
          if (typeOnly && policy.typeOnly?.includes(target)) return;
          context.report({
            node,
            message: `shared/${from} may not import shared/${target}${policy.typeOnly?.includes(target) ? ' except with `import type`' : ''} (docs/architecture.md "Layout").`,
          });
        };
        const isTypeOnly = (node) =>
          node.importKind === 'type' ||
          node.exportKind === 'type' ||
          (node.specifiers?.length > 0 &&
            node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));
        return {
          ImportDeclaration: (node) => check(node, isTypeOnly(node)),
          ExportNamedDeclaration: (node) => check(node, isTypeOnly(node)),
          ExportAllDeclaration: (node) => check(node, node.exportKind === 'type'),
        };
      },
    },
  },
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      '.local/**',
      'coverage/**',
      'cli/egressctl.js',
      'console/dist/**',
      'test-output/**',
    ],
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
    files: [
      'shared/lib/**/*.ts',
      'shared/core/**/*.ts',
      'shared/spec/**/*.ts',
      'shared/plan/**/*.ts',
      'shared/analysis/**/*.ts',
    ],
    rules: pureLayerRule(),
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
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    plugins: { layers: layersPlugin },
    rules: { 'layers/allowed-imports': 'error' },
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
  {
    // The web console runs in the browser (console/build.ts, its bundler, runs in Node).
    files: ['console/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  prettier,
);
