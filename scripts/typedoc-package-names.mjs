// TypeDoc plugin: names each entry-point module after the package export it documents ("@sftdl/solvers",
// "@sftdl/compute/testing") instead of its path ("solvers/src"). The name comes from the package.json next to the
// entry point: its "name" plus the export key whose "@sftdl/source" condition points at the entry file.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Converter, ReflectionKind } from 'typedoc';

function packageJsonOf(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) return { dir, pj: JSON.parse(readFileSync(p, 'utf8')) };
  }
  return undefined;
}

/** The import specifier of `file`: "<name>" or "<name>/<subpath>" from package.json "exports". */
export function exportName(file) {
  const found = packageJsonOf(file);
  if (!found || typeof found.pj.name !== 'string') return undefined;
  const rel = `./${relative(found.dir, file).split('\\').join('/')}`;
  for (const [key, target] of Object.entries(found.pj.exports ?? {})) {
    const source = typeof target === 'object' && target !== null ? target['@sftdl/source'] : undefined;
    if (source === rel) return key === '.' ? found.pj.name : `${found.pj.name}/${key.replace(/^\.\//, '')}`;
  }
  return undefined;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module)) return;
    const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile().fileName;
    const name = file ? exportName(file) : undefined;
    if (name) reflection.name = name;
    else app.logger.warn(`typedoc-package-names: no package export found for module ${reflection.name}`);
  });
}
