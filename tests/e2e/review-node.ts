// The Node modules the review e2e tests seed projects with, loaded through tsImport (see
// node-entry.ts for why). Seeding runs in its own module graph: it writes a project to disk and
// closes it; the server's backend then opens it.
export { Project } from '../../src/node/store/project';
export { importVideoMedia } from '../../src/node/media/video';
export { makeFrameCodedVideo } from '../../src/node/demo/framecode';
export { encodeSoftLabel } from '../../src/shared/softlabels';
export { importSequenceMedia } from '../../src/node/media/sequence';
