// The `affect-workbench` command line: the same services as the UI, for scripts and headless servers.
import { Command, CommanderError } from 'commander';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../shared/result';
import { Backend } from '../node/backend';
import { Project } from '../node/project';
import { projectInfo } from '../node/db/info';
import { startServer } from '../node/server/server';
import { APP_VERSION } from '../node/version';
import { formatInfo } from './format';
import { registerEngineCommands } from './commands/engine';
import { registerImportCommand } from './commands/import';
import { registerExportCommand } from './commands/export';
import { registerDemoCommand } from './commands/demo';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PACKAGE_ROOT = path.resolve(here, '..', '..');

function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
}

export function buildProgram(): Command {
  const program = new Command('affect-workbench')
    .description('Frame-exact affect labels and multitask teacher/student models from partial labels')
    .version(APP_VERSION)
    .showHelpAfterError()
    .exitOverride();

  program
    .command('init')
    .description('create a new project folder')
    .argument('<dir>', 'project folder (created if missing)')
    .option('--name <name>', 'project name (default: folder name)')
    .action((dir: string, o: { name?: string }) => {
      const p = Project.create(dir, o.name);
      out(`Created project "${p.summary().name}" in ${p.dir}`);
      p.close();
    });

  program
    .command('info')
    .description('datasets with frame and label counts per task, media, models')
    .argument('<dir>', 'project folder')
    .option('--json', 'print one JSON document')
    .action((dir: string, o: { json?: boolean }) => {
      const p = Project.open(dir);
      try {
        const info = projectInfo(p);
        out(o.json ? JSON.stringify(info, null, 2) : formatInfo(info));
      } finally {
        p.close();
      }
    });

  program
    .command('serve')
    .description('browser mode: serve the workbench on 127.0.0.1 and print the URL with its session token')
    .argument('[dir]', 'project folder to open')
    .option('--port <port>', 'port (default: a free one)', (v) => Number(v))
    .action(async (dir: string | undefined, o: { port?: number }) => {
      const backend = new Backend({ transport: 'http' });
      if (dir) backend.openProject(dir, false);
      const server = await startServer(backend, { port: o.port, rendererDir: path.join(PACKAGE_ROOT, 'out', 'renderer') });
      out(`Affect Workbench ${APP_VERSION} — browser mode`);
      out(`Open: ${server.launchUrl}`);
      out('Press Ctrl+C to stop.');
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await backend.close();
    });

  program
    .command('probe')
    .description('select the TensorFlow.js backend (tfjs-node-gpu → tfjs-node → wasm → cpu) and run a small convolution in a worker')
    .option('--json', 'print one JSON document')
    .action(async (o: { json?: boolean }) => {
      const { runProbeInWorker } = await import('./probe');
      const r = await runProbeInWorker();
      out(o.json ? JSON.stringify(r, null, 2) : `backend: ${r.backend.name}  forward ${r.forwardMs.toFixed(1)} ms  backward ${r.backwardMs.toFixed(1)} ms`);
    });

  registerImportCommand(program);
  registerEngineCommands(program);
  registerExportCommand(program);
  registerDemoCommand(program);
  return program;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof AppError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
