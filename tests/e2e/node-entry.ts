// The Node modules the e2e fixtures use, loaded through ONE tsImport so they share one module graph
// (two tsImport calls give two copies of src/shared/result's AppError, and the server's dispatch
// would no longer recognise the backend's errors).
import { useSourceWorker } from '../../src/node/app/dev-runtime';

useSourceWorker(); // the backend's workers run from the TypeScript sources
export { Backend } from '../../src/node/app/backend';
export { startServer } from '../../src/node/server/server';
export { Project } from '../../src/node/store/project';
export { saveEvaluation } from '../../src/node/training/evaluations';
export { demoTables } from '../../src/node/demo/run';
export { formatTable2 } from '../../src/cli/format-engine';
