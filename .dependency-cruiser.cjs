/**
 * Import cycles are refused anywhere in the tree, type-only imports included: a cycle through
 * `import type` still ties two modules' meaning together. The layer rules live in
 * eslint.config.js; this file checks only what ESLint cannot see whole (the graph).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles (docs/architecture.md "Layers").',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|\\.local|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
