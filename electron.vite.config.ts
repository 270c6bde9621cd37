// One build for every runtime (`npm run build`; `npm run dev` watches):
//   out/main      the Electron main process (index.js), the worker (worker.js: utilityProcess in the
//                 app, child_process.fork under Node), its learning threads (ml-thread.js) and the
//                 command line (cli.js, which bin/affect-workbench.js runs). Node 20 is the oldest runtime that loads them.
//   out/preload   one CommonJS file with its validation code bundled in: a sandboxed preload may
//                 require only 'electron' (Electron docs, "Process Sandboxing").
//   out/renderer  the React UI, served by the app's own scheme or by browser mode.
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

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
          // A learning worker thread (src/ml/threads/pool.ts), started by the worker.
          'ml-thread': resolve(__dirname, 'src/ml/threads/thread-main.ts'),
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
