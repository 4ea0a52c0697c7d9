/// <reference lib="webworker" />
/**
 * The computation worker: runs compute.ts in stages so the page never freezes. Only the newest request is worked
 * on; an older one is dropped at its next stage boundary. Results that do not depend on the slider being moved
 * (the cubic σ² curve and phase diagram do not depend on σ², the MSA width curve not on N) are cached.
 */
import {
  cubicCurve,
  cubicCurveGrid,
  cubicPhaseDiagram,
  cubicPhaseGrid,
  cubicPoint,
  cubicTransition,
  kernelsView,
  modularView,
  msaPoint,
  MSA_WIDTHS,
} from './compute';
import type { CubicCurve, CubicPhaseDiagram, CubicTransition, Failure, MsaPoint } from './compute';
import { isFailure } from './compute';
import type { Reply, Request, Result } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

let latest = 0;
const cubicCache = new Map<
  string,
  { transition: CubicTransition | Failure; curve?: CubicCurve | Failure; phase?: CubicPhaseDiagram }
>();
const msaCache = new Map<string, (MsaPoint | Failure)[]>();

/** Lets queued messages in; true when a newer request has arrived (this one is then dropped). */
async function superseded(id: number): Promise<boolean> {
  await new Promise<void>((r) => setTimeout(r, 0));
  return latest !== id;
}

function remember<K, V>(cache: Map<K, V>, k: K, v: V): V {
  if (cache.size > 64) cache.clear();
  cache.set(k, v);
  return v;
}

async function run(req: Request): Promise<void> {
  const t0 = performance.now();
  const { id, state } = req;
  const post = (data: Result, complete: boolean) =>
    self.postMessage({ id, data, complete, seconds: (performance.now() - t0) / 1000 } satisfies Reply);
  if (await superseded(id)) return;
  if (state.view === 'cubic') {
    const p = state.params;
    const { sigma2: _ignored, ...rest } = p;
    const key = JSON.stringify(rest);
    const cached = cubicCache.get(key) ?? remember(cubicCache, key, { transition: cubicTransition(p) });
    const point = cubicPoint(p);
    const first: Result = { transition: cached.transition, point };
    if (cached.phase) first.phase = cached.phase;
    if (cached.curve) first.curve = cached.curve;
    if (cached.curve && cached.phase) return post(first, true);
    post(first, false);
    if (!cached.phase) {
      const parts = await inChunks(id, cubicPhaseGrid(p, cached.transition), 3, (g) => cubicPhaseDiagram(p, g));
      if (parts === undefined) return;
      cached.phase = {
        sigma2: parts.flatMap((x) => x.sigma2),
        uCritical: parts.flatMap((x) => x.uCritical),
        uSpinodal: parts.flatMap((x) => x.uSpinodal),
        pathU: parts.flatMap((x) => x.pathU),
      };
      post({ phase: cached.phase }, !!cached.curve);
    }
    if (cached.curve) return;
    const parts = await inChunks(id, cubicCurveGrid(p, cached.transition), 2, (g) => cubicCurve(p, g));
    if (parts === undefined) return;
    const failed = parts.find(isFailure);
    const ok = parts.filter((x): x is CubicCurve => !isFailure(x));
    cached.curve = failed ?? {
      sigma2: ok.flatMap((x) => x.sigma2),
      learnedLinear: ok.flatMap((x) => x.learnedLinear),
      learnedCubic: ok.flatMap((x) => x.learnedCubic),
      phase: ok.flatMap((x) => x.phase),
    };
    return post({ curve: cached.curve }, true);
  }
  if (state.view === 'modular') return post({ modular: modularView(state.params) }, true);
  if (state.view === 'kernels') return post({ kernels: kernelsView(state.params) }, true);
  const p = state.params;
  const point = msaPoint(p, p.width);
  const key = `${p.chi}|${p.activation}`;
  const cached = msaCache.get(key);
  if (cached) return post({ msaPoint: point, msaCurve: cached }, true);
  post({ msaPoint: point }, false);
  const curve: (MsaPoint | Failure)[] = [];
  for (const w of MSA_WIDTHS) {
    if (await superseded(id)) return;
    curve.push(msaPoint(p, w));
  }
  remember(msaCache, key, curve);
  post({ msaCurve: curve }, true);
}

/** f over a grid in chunks of `size` points, yielding between chunks; undefined when a newer request arrived. */
async function inChunks<T>(
  id: number,
  grid: readonly number[],
  size: number,
  f: (chunk: number[]) => T,
): Promise<T[] | undefined> {
  const out: T[] = [];
  for (let i = 0; i < grid.length; i += size) {
    if (await superseded(id)) return undefined;
    out.push(f(grid.slice(i, i + size)));
  }
  return out;
}

self.onmessage = (ev: MessageEvent<Request>) => {
  latest = ev.data.id;
  run(ev.data).catch((e: unknown) => {
    self.postMessage({
      id: ev.data.id,
      data: {},
      complete: true,
      seconds: 0,
      error: e instanceof Error ? e.message : String(e),
    } satisfies Reply);
  });
};
