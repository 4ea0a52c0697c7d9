#!/usr/bin/env node
// Builds build/Release/sftdl_openblas.node with node-gyp.
//
//   node scripts/build-native.mjs             build; exit 1 on failure (the `build:native` script)
//   node scripts/build-native.mjs --optional  the `install` script: on failure print how to fix it and exit 0,
//                                             so installing the package never fails on machines without the libraries
//
// node-gyp is taken from the package manager running the script (npm and pnpm bundle one and expose it via
// $npm_config_node_gyp or PATH), else from node_modules. Node's headers are taken from the local Node
// installation when it ships them (<prefix>/include/node), so no download is needed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const optional = process.argv.includes('--optional');
const HINT =
  "install the libraries with 'apt-get install -y libopenblas-dev liblapacke-dev' (Debian/Ubuntu; needs a C++ toolchain: " +
  "'apt-get install -y g++ make python3'), then run 'pnpm --filter @sftdl/backend-openblas run build:native'";

function nodeGypCommand() {
  const fromEnv = process.env.npm_config_node_gyp;
  if (fromEnv && existsSync(fromEnv)) return fromEnv.endsWith('.js') ? [process.execPath, fromEnv] : [fromEnv];
  try {
    return [process.execPath, createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    return ['node-gyp'];
  }
}

const args = ['rebuild'];
const prefix = resolve(dirname(process.execPath), '..');
if (existsSync(join(prefix, 'include', 'node', 'node_api.h')) && existsSync(join(prefix, 'include', 'node', 'common.gypi'))) {
  args.push(`--nodedir=${prefix}`);
}

const [cmd, ...pre] = nodeGypCommand();
const run = spawnSync(cmd, [...pre, ...args], { cwd: root, stdio: optional ? 'pipe' : 'inherit', encoding: 'utf8' });
if (run.status === 0) {
  if (!optional) console.log('@sftdl/backend-openblas: native addon built (build/Release/sftdl_openblas.node)');
  process.exit(0);
}
const why = run.error ? run.error.message : `node-gyp exited with ${run.status}`;
if (optional) {
  const tail = `${run.stdout ?? ''}${run.stderr ?? ''}`
    .trim()
    .split('\n')
    .filter((l) => /error|not found|No such/i.test(l))
    .slice(-3);
  console.warn(
    `@sftdl/backend-openblas: native addon not built (${why}); the backend will report available: false.\n` +
      (tail.length ? `  ${tail.join('\n  ')}\n` : '') +
      `  To enable it: ${HINT}.`,
  );
  process.exit(0);
}
console.error(`@sftdl/backend-openblas: native build failed (${why}). ${HINT}.`);
process.exit(1);
