// Development entry: the CLI straight from the TypeScript sources (`npm run cli:dev -- <verb> …`),
// workers through tsx by absolute path. The installed command runs the built out/main/cli.js instead.
import { useSourceWorker } from '../node/app/dev-runtime';
import { main } from './main';

useSourceWorker();
process.exitCode = await main(process.argv);
