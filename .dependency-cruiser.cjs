/**
 * Import cycles are refused anywhere in the tree, type-only imports included: a cycle through
 * `import type` still ties two modules' meaning together; and CLI command files are entry points,
 * never libraries. The layer rules live in eslint.config.js; this file checks what ESLint cannot
 * see whole (the graph).
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
    {
      name: 'commands-are-entry-points',
      severity: 'error',
      comment:
        'A command file never imports another: what commands share lives beside cli/commands (docs/architecture.md "Layers"). Only index.ts registers them.',
      from: { path: '^cli/commands/', pathNot: '^cli/commands/index\\.ts$' },
      to: { path: '^cli/commands/' },
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
