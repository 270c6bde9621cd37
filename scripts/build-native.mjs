#!/usr/bin/env node
// Builds the native convolution kernels (src/native/aw_conv.c, see src/ml/kernels/native.ts)
// into out/native/aw_conv.node with node-gyp, OpenBLAS linked statically. Part of `npm run build`.
//
// Optional by design: on a machine without a C compiler or OpenBLAS (Debian: libopenblas-dev) it
// prints one line saying so and exits 0, and the app runs its wasm kernels. With --require it
// fails instead (CI and the test suite want the native kernels built).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src', 'native');
const OUT = path.join(ROOT, 'out', 'native', 'aw_conv.node');
const required = process.argv.includes('--require') || process.env.AW_REQUIRE_NATIVE === '1';

function skip(why) {
  const line = `native kernels not built: ${why}. The wasm kernels run instead (install a C compiler and libopenblas-dev, then npm run build).`;
  if (required) {
    console.error(`error: ${line}`);
    process.exit(1);
  }
  console.warn(line);
  fs.rmSync(OUT, { force: true });
  process.exit(0);
}

if (process.env.AW_NATIVE_KERNELS === '0') skip('AW_NATIVE_KERNELS=0');
if (process.platform !== 'linux' || process.arch !== 'x64') skip(`no build for ${process.platform}-${process.arch} yet`);

// The static library and header of Debian's libopenblas-dev (pthread or serial flavour), or
// AW_OPENBLAS_LIB / AW_OPENBLAS_INCLUDE.
const libs = [
  process.env.AW_OPENBLAS_LIB,
  '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a',
  '/usr/lib/x86_64-linux-gnu/openblas-serial/libopenblas.a',
  '/usr/lib/x86_64-linux-gnu/libopenblas.a',
].filter(Boolean);
const lib = libs.find((f) => fs.existsSync(f));
if (!lib) skip(`no static OpenBLAS (looked for ${libs.join(', ')})`);
const includes = [process.env.AW_OPENBLAS_INCLUDE, '/usr/include/x86_64-linux-gnu', '/usr/include/openblas', '/usr/include'].filter(Boolean);
const include = includes.find((d) => fs.existsSync(path.join(d, 'cblas.h')));
if (!include) skip(`no cblas.h (looked in ${includes.join(', ')})`);

const require = createRequire(import.meta.url);
let gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  skip('node-gyp is not installed (npm ci installs it)');
}
// Node's own headers beside its binary (a Node installed under a prefix has them), else node-gyp's
// usual source (npm's nodedir setting, or a download).
const prefix = path.resolve(path.dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir || (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null);
const t0 = Date.now();
const r = spawnSync(process.execPath, [gyp, 'rebuild', '--directory', SRC, '--loglevel', 'warn', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], {
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
  env: { ...process.env, AW_OPENBLAS_LIB: lib, AW_OPENBLAS_INCLUDE: include },
});
if (r.status !== 0) {
  process.stderr.write(r.stdout + r.stderr);
  skip(`node-gyp failed (exit ${r.status ?? r.signal})`);
}
fs.mkdirSync(path.dirname(OUT), { recursive: true });
// Written beside, then renamed: a running process keeps the file it mapped.
const tmp = `${OUT}.${process.pid}.tmp`;
fs.copyFileSync(path.join(SRC, 'build', 'Release', 'aw_conv.node'), tmp);
fs.renameSync(tmp, OUT);
console.log(`native kernels built: ${path.relative(ROOT, OUT)} (${(fs.statSync(OUT).size / 1e6).toFixed(1)} MB, OpenBLAS ${lib}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
