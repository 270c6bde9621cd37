#!/usr/bin/env node
// Entry of the `affect-workbench` command. The CLI is TypeScript run through tsx,
// so the same sources serve the CLI, the worker process, the tests and the Electron bundles.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

register();
const here = path.dirname(fileURLToPath(import.meta.url));
const { main } = await import(path.join(here, '..', 'src', 'cli', 'main.ts'));
process.exitCode = await main(process.argv);
