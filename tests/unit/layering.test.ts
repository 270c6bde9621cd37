// The layering of docs/ARCHITECTURE.md §1 is enforced by lint; this checks the rules themselves bite.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();
async function errors(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: file });
  return r.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals').map((m) => m.message);
}
async function cycles(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: file });
  return r.messages.filter((m) => m.ruleId === 'import-x/no-cycle').map((m) => m.message);
}

describe('layering rules', () => {
  it('src/shared imports no platform', async () => {
    expect(await errors('src/shared/x.ts', `import fs from 'node:fs'; export const a = fs;`)).not.toEqual([]);
    expect(await errors('src/shared/x.ts', `import path from 'path'; export const a = path;`)).not.toEqual([]);
    expect(await errors('src/shared/x.ts', `import { app } from 'electron'; export const a = app;`)).not.toEqual([]);
    expect(await errors('src/shared/x.ts', `import { Project } from '../node/project'; export const a = Project;`)).not.toEqual([]);
    expect(await errors('src/shared/x.ts', `export const a = process.env;`)).not.toEqual([]);
    expect(await errors('src/shared/x.ts', `import { z } from 'zod'; import { TASKS } from './labels'; export const a = [z, TASKS];`)).toEqual([]);
  });
  it('src/renderer imports no electron, no Node built-ins, no backend modules', async () => {
    expect(await errors('src/renderer/src/x.tsx', `import { ipcRenderer } from 'electron'; export const a = ipcRenderer;`)).not.toEqual([]);
    expect(await errors('src/renderer/src/x.tsx', `import os from 'node:os'; export const a = os;`)).not.toEqual([]);
    expect(await errors('src/renderer/src/x.tsx', `import { Backend } from '../../node/backend'; export const a = Backend;`)).not.toEqual([]);
    expect(await errors('src/renderer/src/x.tsx', `import { methods } from '../../shared/contract'; export const a = methods;`)).toEqual([]);
  });
  it('only src/main and src/preload import electron', async () => {
    expect(await errors('src/node/x.ts', `import { app } from 'electron'; export const a = app;`)).not.toEqual([]);
    expect(await errors('src/worker/x.ts', `import { app } from 'electron'; export const a = app;`)).not.toEqual([]);
    expect(await errors('src/main/x.ts', `import { app } from 'electron'; export const a = app;`)).toEqual([]);
    expect(await errors('src/preload/x.ts', `import { contextBridge } from 'electron'; export const a = contextBridge;`)).toEqual([]);
  });
  it('the learning core (src/ml) imports neither src/node nor a database', async () => {
    expect(await errors('src/ml/train/x.ts', `import { Project } from '../../node/store/project'; export const a = Project;`)).not.toEqual([]);
    expect(await errors('src/ml/x.ts', `import type { Db } from '../node/store/database'; export type A = Db;`)).not.toEqual([]);
    expect(await errors('src/ml/x.ts', `import Database from 'better-sqlite3'; export const a = Database;`)).not.toEqual([]);
    expect(await errors('src/ml/x.ts', `import { jobs } from '../worker/jobs'; export const a = jobs;`)).not.toEqual([]);
    expect(await errors('src/ml/train/x.ts', `import type { SampleSet } from '../../shared/samples'; import { writeFileAtomic } from '../../base/fsutil'; export const a = writeFileAtomic; export type S = SampleSet;`)).toEqual([]);
  });
  it('src/node reaches src/ml only from the application layer (src/node/training)', async () => {
    expect(await errors('src/node/review/x.ts', `import { tf } from '../../ml/backend'; export const a = tf;`)).not.toEqual([]);
    expect(await errors('src/node/store/x.ts', `import { trainModel } from '../../ml/train/trainer'; export const a = trainModel;`)).not.toEqual([]);
    expect(await errors('src/node/training/engine/x.ts', `import { trainModel } from '../../../ml/train/trainer'; export const a = trainModel;`)).toEqual([]);
  });
  it('src/base imports no app layer but src/shared', async () => {
    expect(await errors('src/base/x.ts', `import { Project } from '../node/store/project'; export const a = Project;`)).not.toEqual([]);
    expect(await errors('src/base/x.ts', `import { tf } from '../ml/backend'; export const a = tf;`)).not.toEqual([]);
    expect(await errors('src/base/x.ts', `import { AppError } from '../shared/result'; export const a = AppError;`)).toEqual([]);
  });
  it('no module takes part in an import cycle, dynamic import() included', async () => {
    // src/shared/samples.ts imports ./labels: labels importing samples back closes a cycle.
    expect(await cycles('src/shared/labels.ts', `import { subsetRows } from './samples'; export const a = subsetRows;`)).not.toEqual([]);
    expect(await cycles('src/shared/labels.ts', `export const a = () => import('./samples');`)).not.toEqual([]);
    expect(await cycles('src/shared/labels.ts', `import { z } from 'zod'; export const a = z;`)).toEqual([]);
  });
});
