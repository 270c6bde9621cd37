// The layering of DESIGN.md §2 is enforced by lint; this checks the rules themselves bite.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();
async function errors(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: file });
  return r.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals').map((m) => m.message);
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
});
