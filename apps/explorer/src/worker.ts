/// <reference lib="webworker" />
/**
 * The computation worker: runs compute.ts in stages so the page never freezes. Only the newest request is worked
 * on; an older one is dropped at its next stage boundary. Results that do not depend on the slider being moved
 * (the cubic σ² curve and phase diagram do not depend on σ², the MSA width curve not on N) are cached.
 */
import {
  cubicCurve, cubicCurveGrid, cubicPhaseDiagram, cubicPoint, cubicTransition, kernelsView, modularView, msaPoint, MSA_WIDTHS,
} from './compute';
import type { CubicCurve, CubicPhaseDiagram, CubicTransition, Failure, MsaPoint } from './compute';
import { isFailure } from './compute';
import type { Reply, Request, Result } from './protocol';
import type { CubicState } from './state';

declare const self: DedicatedWorkerGlobalScope;

let latest = 0;
const cubicCache = new Map<string, { transition: CubicTransition | Failure; curve?: CubicCurve | Failure; phase?: CubicPhaseDiagram }>();
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
  const post = (data: Result, complete: boolean) => self.postMessage({ id, data, complete, seconds: (performance.now() - t0) / 1000 } satisfies Reply);
  if (await superseded(id)) return;
  if (state.view === 'cubic') {
    const p = state.params;
    const { sigma2: _ignored, ...rest } = p;
    const key = JSON.stringify(rest);
    const cached = cubicCache.get(key) ?? remember(cubicCache, key, { transition: cubicTransition(p) });
    const point = cubicPoint(p);
    if (cached.curve && cached.phase) return post({ transition: cached.transition, point, curve: cached.curve, phase: cached.phase }, true);
    post({ transition: cached.transition, point }, false);
    if (await superseded(id)) return;
    cached.phase = cubicPhaseDiagram(p, cached.transition);
    post({ phase: cached.phase }, false);
    cached.curve = await chunkedCurve(id, p, cached.transition);
    if (cached.curve === undefined) return;
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

/** The learned-coefficient curve in chunks (a newer request interrupts it); undefined when superseded. */
async function chunkedCurve(id: number, p: CubicState, t: CubicTransition | Failure): Promise<CubicCurve | Failure | undefined> {
  const grid = cubicCurveGrid(p, t);
  const out: CubicCurve = { sigma2: [], learnedLinear: [], learnedCubic: [], phase: [] };
  for (let i = 0; i < grid.length; i += 4) {
    if (await superseded(id)) return undefined;
    const part = cubicCurve(p, grid.slice(i, i + 4));
    if (isFailure(part)) return part;
    out.sigma2.push(...part.sigma2);
    out.learnedLinear.push(...part.learnedLinear);
    out.learnedCubic.push(...part.learnedCubic);
    out.phase.push(...part.phase);
  }
  return out;
}

self.onmessage = (ev: MessageEvent<Request>) => {
  latest = ev.data.id;
  run(ev.data).catch((e: unknown) => {
    self.postMessage({ id: ev.data.id, data: {}, complete: true, seconds: 0, error: e instanceof Error ? e.message : String(e) } satisfies Reply);
  });
};
