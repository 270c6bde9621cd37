// The `affect-workbench` command line: the same services as the UI, for scripts and headless servers.
// Verbs load their modules only when they run, so a quick verb (`info`, `init`) starts in a fraction
// of the time a training verb needs to load TensorFlow.js and the backend.
import { Command, CommanderError } from 'commander';
import { AppError } from '../shared/result';
import { APP_VERSION } from '../node/app/version';

function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
}

type Register = (program: Command) => void;

/** Verbs defined in their own modules, by the first word on the command line. */
const VERB_MODULES: Record<string, () => Promise<Register>> = {
  import: async () => (await import('./commands/import')).registerImportCommand,
  train: async () => (await import('./commands/engine')).registerEngineCommands,
  'soft-labels': async () => (await import('./commands/engine')).registerEngineCommands,
  evaluate: async () => (await import('./commands/engine')).registerEngineCommands,
  models: async () => (await import('./commands/engine')).registerEngineCommands,
  export: async () => (await import('./commands/export')).registerExportCommand,
  demo: async () => (await import('./commands/demo')).registerDemoCommand,
  annotators: async () => (await import('./commands/annotators')).registerAnnotatorsCommand,
  agreement: async () => (await import('./commands/agreement')).registerAgreementCommand,
  adjudication: async () => (await import('./commands/adjudication')).registerAdjudicationCommand,
};

const CORE_VERBS = ['init', 'info', 'serve', 'probe'];

function registerCoreCommands(program: Command): void {
  program
    .command('init')
    .description('create a new project folder')
    .argument('<dir>', 'project folder (created if missing)')
    .option('--name <name>', 'project name (default: folder name)')
    .action(async (dir: string, o: { name?: string }) => {
      const { Project } = await import('../node/store/project');
      const p = Project.create(dir, o.name);
      out(`Created project "${p.summary().name}" in ${p.dir}`);
      p.close();
    });

  program
    .command('info')
    .description('datasets with frame and label counts per task, media, models')
    .argument('<dir>', 'project folder')
    .option('--json', 'print one JSON document')
    .action(async (dir: string, o: { json?: boolean }) => {
      const [{ Project }, { projectInfo }, { formatInfo }] = await Promise.all([import('../node/store/project'), import('../node/store/info'), import('./format')]);
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
      const { rendererDir } = await import('../node/app/runtime-paths');
      const renderer = rendererDir();
      if (!renderer.built) {
        throw new AppError('not-found', `The browser UI is not built (no ${renderer.dir}/index.html): run \`npm run build\` in the source folder first.`);
      }
      const [{ Backend }, { startServer }] = await Promise.all([import('../node/app/backend'), import('../node/server/server')]);
      const backend = new Backend({ transport: 'http' });
      if (dir) backend.openProject(dir, false);
      const server = await startServer(backend, { port: o.port, rendererDir: renderer.dir });
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
}

/** The whole program, every verb registered (help, tests). */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('affect-workbench')
    .description('Frame-exact affect labels and multitask teacher/student models from partial labels')
    .version(APP_VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerCoreCommands(program);
  // A core verb needs no other module; an unknown word loads them all so commander can suggest one.
  const loaders = only && VERB_MODULES[only] ? [VERB_MODULES[only]] : only && CORE_VERBS.includes(only) ? [] : Object.values(VERB_MODULES);
  const registered = new Set<Register>();
  for (const load of loaders) {
    const register = await load();
    if (registered.has(register)) continue; // several verbs share one module
    registered.add(register);
    register(program);
  }
  return program;
}

/** The first argument that is not an option: the verb. */
function verbOf(argv: string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const verb = verbOf(argv);
    const program = await buildProgram(verb && !['help'].includes(verb) ? verb : undefined);
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof AppError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    const { isBusyError } = await import('../node/store/busy');
    if (isBusyError(e)) {
      process.stderr.write('error: the project database is busy (another process is writing to it); try again in a moment.\n');
      return 1;
    }
    // An unexpected error: one line, with the stack trace when AW_DEBUG is set.
    const debug = !!process.env.AW_DEBUG;
    process.stderr.write(`error: ${e instanceof Error ? ((debug ? e.stack : null) ?? e.message) : String(e)}\n`);
    if (!debug) process.stderr.write('(set AW_DEBUG=1 for the stack trace)\n');
    return 1;
  }
}
