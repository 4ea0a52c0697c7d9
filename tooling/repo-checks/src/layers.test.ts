import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

/** The agreed layers (docs: shared design note §2). A package may import only from strictly lower layers. */
export const LAYERS: Record<string, number> = {
  '@sftdl/compute': 0,
  '@sftdl/backend-ml-matrix': 1,
  '@sftdl/backend-tfjs': 1,
  '@sftdl/backend-openblas': 1,
  '@sftdl/field': 1,
  // file formats (.npy, CSV, JSON) in and out of compute's Mat
  '@sftdl/io': 1,
  '@sftdl/kernels': 2,
  '@sftdl/teachers': 2,
  '@sftdl/training': 2,
  '@sftdl/solvers': 3,
  '@sftdl/scaling': 3,
  // generic orchestration; needs field only for the random keys (task keys are split from the root seed)
  '@sftdl/sweep': 3,
};

interface Pkg {
  name: string;
  dir: string;
  deps: string[];
  imports: Map<string, string[]>;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) {
      if (e !== 'node_modules' && e !== 'dist') walk(p, out);
    } else if (/\.(ts|mts|js|mjs)$/.test(e)) out.push(p);
  }
  return out;
}

const IMPORT_RE =
  /(?:import|export)\s[^'"]*?from\s*['"](@sftdl\/[a-z0-9-]+)(?:\/[^'"]*)?['"]|import\(\s*['"](@sftdl\/[a-z0-9-]+)(?:\/[^'"]*)?['"]\s*\)|require\(\s*['"](@sftdl\/[a-z0-9-]+)/g;

function loadPackages(): Pkg[] {
  const pkgs: Pkg[] = [];
  for (const group of ['packages', 'apps', 'tooling']) {
    for (const d of readdirSync(join(root, group))) {
      const dir = join(root, group, d);
      let pj: Record<string, Record<string, string> | string>;
      try {
        pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      const deps = Object.keys({
        ...(pj.dependencies as object),
        ...(pj.peerDependencies as object),
        ...(pj.optionalDependencies as object),
      }).filter((n) => n.startsWith('@sftdl/'));
      const imports = new Map<string, string[]>();
      const srcDir = join(dir, 'src');
      try {
        statSync(srcDir);
      } catch {
        pkgs.push({ name: pj.name as string, dir, deps, imports });
        continue;
      }
      for (const f of walk(srcDir)) {
        // Imports inside comments (TSDoc examples) are documentation, not dependencies.
        const text = readFileSync(f, 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/^\s*\/\/.*$/gm, '');
        for (const m of text.matchAll(IMPORT_RE)) {
          const target = m[1] ?? m[2] ?? m[3];
          if (!target) continue;
          imports.set(target, [...(imports.get(target) ?? []), f.slice(root.length + 1)]);
        }
      }
      pkgs.push({ name: pj.name as string, dir, deps, imports });
    }
  }
  return pkgs;
}

describe('dependency layers', () => {
  const pkgs = loadPackages();

  it('finds every layered package', () => {
    for (const name of Object.keys(LAYERS)) expect(pkgs.map((p) => p.name)).toContain(name);
  });

  it('no package depends on or imports a package of its own or a higher layer (apps may import anything; nothing imports an app)', () => {
    const violations: string[] = [];
    for (const p of pkgs) {
      const own = LAYERS[p.name];
      for (const [target, files] of p.imports) {
        if (target === p.name) continue;
        if (target === '@sftdl/demo' || target === '@sftdl/bench' || target === '@sftdl/explorer')
          violations.push(`${p.name} imports app ${target} (${files[0]})`);
        if (own === undefined) continue;
        const tl = LAYERS[target];
        if (tl === undefined) violations.push(`${p.name} (layer ${own}) imports unlayered ${target} (${files[0]})`);
        else if (tl >= own) violations.push(`${p.name} (layer ${own}) imports ${target} (layer ${tl}) in ${files[0]}`);
        if (!p.deps.includes(target))
          violations.push(`${p.name} imports ${target} without declaring it in package.json (${files[0]})`);
      }
      if (own !== undefined)
        for (const d of p.deps) {
          const tl = LAYERS[d];
          if (tl === undefined || tl >= own)
            violations.push(`${p.name} (layer ${own}) declares a dependency on ${d} (layer ${tl ?? 'app/tooling'})`);
        }
    }
    expect(violations).toEqual([]);
  });

  it('has no dependency cycles', () => {
    const graph = new Map(pkgs.map((p) => [p.name, new Set([...p.deps, ...p.imports.keys()].filter((t) => t !== p.name))]));
    const state = new Map<string, 0 | 1 | 2>();
    const cycles: string[] = [];
    const visit = (n: string, path: string[]) => {
      if (state.get(n) === 2) return;
      if (state.get(n) === 1) {
        cycles.push([...path.slice(path.indexOf(n)), n].join(' → '));
        return;
      }
      state.set(n, 1);
      for (const m of graph.get(n) ?? []) visit(m, [...path, n]);
      state.set(n, 2);
    };
    for (const n of graph.keys()) visit(n, []);
    expect(cycles).toEqual([]);
  });
});
