// One build for every runtime (`npm run build`; `npm run dev` watches):
//   out/main      the Electron main process (index.js), the worker (worker.js: utilityProcess in the
//                 app, child_process.fork under Node), its threads (ml-thread.js, face-thread.js) and the
//                 command line (cli.js, which bin/affect-workbench.js runs). Node 20 is the oldest runtime that loads them.
//   out/preload   one CommonJS file with its validation code bundled in: a sandboxed preload may
//                 require only 'electron' (Electron docs, "Process Sandboxing").
//   out/renderer  the React UI, served by the app's own scheme or by browser mode.
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { THREAD_ENTRIES } from './src/worker/thread-entries';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      target: 'node20',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          worker: resolve(__dirname, 'src/worker/main.ts'),
          cli: resolve(__dirname, 'src/cli/entry.ts'),
          // The worker's threads (learning, faces), one file each: out/main/<name>.js.
          ...Object.fromEntries(Object.entries(THREAD_ENTRIES).map(([name, source]) => [name, resolve(__dirname, source)])),
        },
        // Native and wasm-carrying packages stay in node_modules, loaded at run time.
        external: ['better-sqlite3', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-wasm', '@vladmandic/face-api'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      minify: true,
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
});
