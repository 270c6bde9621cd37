#!/usr/bin/env node
// Entry of the `affect-workbench` command: runs the built CLI (out/main/cli.js, from
// `npm run build`; the npm package ships it built). Nothing is transpiled at run time.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'out', 'main', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(
    `error: the command line is not built (${cli} is missing).\n` +
      'In a source checkout run `npm run build` first (or `npm run cli:dev -- <verb> …` to run from the TypeScript sources).\n',
  );
  process.exit(1);
}
await import(pathToFileURL(cli).href);
