// Entry of the built command line (out/main/cli.js, run by bin/affect-workbench.js): tells the
// backend where the built worker and renderer are, relative to this file, then runs the CLI.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configureRuntime } from '../node/app/runtime-paths';
import { main } from './main';

const here = path.dirname(fileURLToPath(import.meta.url));
configureRuntime({ workerFile: path.join(here, 'worker.js'), rendererDir: path.join(here, '..', 'renderer') });
process.exitCode = await main(process.argv);
