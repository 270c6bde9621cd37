// The installer configuration (electron-builder.yml) against electron-builder's own schema, the
// security fuses and unpacked native/wasm files it must set, the icons in resources/, and what the
// npm package ships.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

interface BuilderConfig {
  electronFuses: Record<string, boolean>;
  asarUnpack: string[];
  npmRebuild: boolean;
  linux: { target: string[]; icon: string };
  mac: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
  files: string[];
}

function loadConfig(): BuilderConfig {
  const yaml = require('js-yaml') as { load(s: string): unknown };
  return yaml.load(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
}

describe('electron-builder configuration', () => {
  it("passes electron-builder's schema validation (and the validation does catch a wrong key)", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration(c: unknown, l: unknown): Promise<void> };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new () => unknown };
    await expect(validateConfiguration(loadConfig(), new DebugLogger())).resolves.toBeUndefined();
    const broken = { ...loadConfig(), electronFuses: { ...loadConfig().electronFuses, runAsNod: false } };
    await expect(validateConfiguration(broken, new DebugLogger())).rejects.toThrow(/electronFuses/);
  });

  it('targets AppImage and .deb, dmg, NSIS', () => {
    const c = loadConfig();
    expect(c.linux.target).toEqual(['AppImage', 'deb']);
    expect(c.mac.target).toEqual(['dmg']);
    expect(c.win.target).toEqual(['nsis']);
  });

  it('sets the security fuses', () => {
    expect(loadConfig().electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('rebuilds native modules and keeps them, the wasm binaries and face weights outside the asar', () => {
    const c = loadConfig();
    expect(c.npmRebuild).toBe(true);
    for (const pkg of ['better-sqlite3', 'sharp', '@tensorflow/tfjs-backend-wasm', '@vladmandic/face-api/model'])
      expect(c.asarUnpack.some((g) => g.includes(`node_modules/${pkg}/`)), pkg).toBe(true);
  });

  it('has the icons each platform needs, at their sizes', async () => {
    const c = loadConfig();
    for (const n of [16, 32, 48, 64, 128, 256, 512, 1024]) {
      const meta = await sharp(path.join(ROOT, c.linux.icon, `${n}x${n}.png`)).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', n, n]);
    }
    // macOS .icns and Windows .ico are made by electron-builder from a master of at least 512 px.
    for (const icon of [c.mac.icon, c.win.icon]) expect((await sharp(path.join(ROOT, icon)).metadata()).width).toBeGreaterThanOrEqual(512);
  });
});

describe('npm package', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    files: string[];
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    bin: Record<string, string>;
    main: string;
  };

  it('ships built files, not sources or tests', () => {
    expect(pkg.files).toEqual(expect.arrayContaining(['bin/', 'out/', 'resources/']));
    expect(pkg.files.some((f) => /^(src|tests|bench)\b/.test(f))).toBe(false);
    expect(pkg.bin['affect-workbench']).toBe('bin/affect-workbench.js');
    expect(pkg.main).toBe('out/main/index.js');
  });

  it('needs no TypeScript at run time: tsx and the bundled UI libraries are dev dependencies', () => {
    for (const dev of ['tsx', 'typescript', 'react', 'electron']) expect(pkg.dependencies[dev], dev).toBeUndefined();
    expect(pkg.devDependencies.tsx).toBeDefined();
  });

  it('pins a supported Electron major (the latest three stable majors are supported)', () => {
    expect(Number(pkg.devDependencies.electron.split('.')[0])).toBeGreaterThanOrEqual(43);
  });
});
