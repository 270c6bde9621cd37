// Lint, and above all the layering rules of DESIGN.md §2: the runtime of each folder is enforced.
//   src/shared    imports no platform (no electron, no node:*, no Node built-ins, no DOM-only code)
//   src/renderer  imports no electron and no Node built-ins (it runs in the sandboxed renderer)
//   only src/main and src/preload import electron
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const noNode = { paths: nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not available in this layer (see DESIGN.md §2).' })), patterns: [{ group: ['node:*'], message: 'Node built-ins are not available in this layer.' }] };
const noElectron = { name: 'electron', message: 'Only src/main and src/preload may import electron.' };

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
    files: ['src/node/**/*.ts', 'src/worker/**/*.ts', 'src/ml/**/*.ts', 'src/cli/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron], patterns: [{ group: ['**/main/**', '**/renderer/**'], message: 'Node code must not depend on the Electron shell or the renderer.' }] }],
    },
  },
  {
    // Tests may exercise the renderer's pure modules (router, forms, views) under Node.
    files: ['tests/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron], patterns: [{ group: ['**/main/**'], message: 'Tests run under Node: the Electron shell is not importable here.' }] }],
    },
  },
);
