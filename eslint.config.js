// Lint, and above all the layering rules (docs/ARCHITECTURE.md §1): each folder's runtime and
// what it may import are enforced, and no module takes part in an import cycle.
//   src/shared    imports no platform (no electron, no node:*, no Node built-ins, no DOM-only code)
//   src/renderer  imports no electron and no Node built-ins (it runs in the sandboxed renderer)
//   src/base      Node utilities that know nothing of the app: imports src/shared only
//   src/ml        the learning core: imports src/shared and src/base only, and no database
//   src/node      storage and services: imports src/ml only from the application layer that wires
//                 the learning core to the project (src/node/training) and the compute backend's
//                 loader for face detection (src/node/media/faceapi.ts)
//   only src/main and src/preload import electron
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const noNode = { paths: nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not available in this layer (see DESIGN.md §2).' })), patterns: [{ group: ['node:*'], message: 'Node built-ins are not available in this layer.' }] };
const noElectron = { name: 'electron', message: 'Only src/main and src/preload may import electron.' };
const shell = { group: ['**/main/**', '**/renderer/**'], message: 'Node code must not depend on the Electron shell or the renderer.' };

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron, ...noNode.paths], patterns: [...noNode.patterns, { group: ['**/node/**', '**/main/**', '**/renderer/**', '**/worker/**', '**/ml/**', '**/cli/**'], message: 'src/shared imports only src/shared.' }] }],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'require'],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron, ...noNode.paths], patterns: [...noNode.patterns, { group: ['**/node/**', '**/main/**', '**/worker/**', '**/ml/**', '**/cli/**', '**/preload/index*'], message: 'The renderer talks to the backend only through the contract (window.api or HTTP).' }] }],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', '__dirname'],
    },
  },
  {
    files: ['src/worker/**/*.ts', 'src/cli/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron], patterns: [shell] }],
    },
  },
  {
    files: ['src/base/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron], patterns: [shell, { group: ['**/node/**', '**/ml/**', '**/worker/**', '**/cli/**'], message: 'src/base knows nothing of the app: it imports src/shared only.' }] }],
    },
  },
  {
    files: ['src/ml/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, { name: 'better-sqlite3', message: 'The learning core runs no SQL: storage sits behind its interfaces, implemented in src/node.' }],
          patterns: [shell, { group: ['**/node/**', '**/worker/**', '**/cli/**'], message: 'The learning core (src/ml) imports only src/shared and src/base: what it needs from a project comes through its interfaces.' }],
        },
      ],
    },
  },
  {
    files: ['src/node/**/*.ts'],
    ignores: ['src/node/training/**', 'src/node/media/faceapi.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron], patterns: [shell, { group: ['**/ml/**', '**/worker/**', '**/cli/**'], message: 'Only the application layer (src/node/training) wires the learning core (src/ml) to a project.' }] }],
    },
  },
  {
    files: ['src/node/training/**/*.ts', 'src/node/media/faceapi.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron], patterns: [shell, { group: ['**/worker/**', '**/cli/**'], message: 'src/node does not depend on its entry points.' }] }],
    },
  },
  {
    // No import cycles anywhere in the sources, dynamic import() included.
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.node.json', 'tsconfig.web.json'], noWarnOnMultipleProjects: true })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // Tests may exercise the renderer's pure modules (router, forms, views) under Node.
    files: ['tests/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron], patterns: [{ group: ['**/main/**'], message: 'Tests run under Node: the Electron shell is not importable here.' }] }],
    },
  },
);
