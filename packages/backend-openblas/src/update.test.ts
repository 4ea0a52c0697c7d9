import type { LangevinUpdateArgs } from '@sftdl/compute';
import { describe, expect, it } from 'vitest';
import { loadAddon } from './addon';
import { createOpenblasBackend, isOpenblasAvailable } from './index';

/** The definition of compute's LangevinUpdateArgs, written out (training's langevinUpdateInto is the same loop). */
function definition(u: LangevinUpdateArgs): void {
  for (let i = 0; i < u.len; i++) {
    const t = u.theta[i]!;
    const g = u.grad[i]! * u.invKappa + t * u.invVar[i]!;
    u.grad[i] = g;
    const z = u.xi[i]!;
    const noise = u.xiPrev ? u.xiPrev[i]! + z : z;
    u.theta[i] = t - u.eta * u.m[i]! * g + u.noiseScale * u.sqrt2m[i]! * noise;
    if (u.xiPrev) u.xiPrev[i] = z;
  }
}

function args(len: number, lm: boolean, seed: number): LangevinUpdateArgs {
  const f = (a: number, b: number) =>
    Float64Array.from({ length: len }, (_, i) => a * Math.sin(b * (i + seed) + 0.3) + (b > 1 ? 0 : 1.5));
  const m = f(0.7, 0.013);
  return {
    len,
    theta: f(2, 0.71),
    grad: f(50, 1.37),
    xi: f(3, 2.13),
    ...(lm ? { xiPrev: f(3, 0.37) } : {}),
    invVar: m.map((v) => 1 / v),
    m,
    sqrt2m: m.map((v) => Math.sqrt(2 * v)),
    invKappa: 1 / 0.037,
    eta: 0.0123,
    noiseScale: lm ? Math.sqrt(0.0123) / 2 : Math.sqrt(0.0123),
  };
}

const copy = (u: LangevinUpdateArgs): LangevinUpdateArgs => ({
  ...u,
  theta: u.theta.slice(),
  grad: u.grad.slice(),
  ...(u.xiPrev ? { xiPrev: u.xiPrev.slice() } : {}),
});

describe.skipIf(!isOpenblasAvailable())('native fused Langevin update', () => {
  it('θ, ∇U and ξₚ equal the definition bit for bit (LM and Euler, tails, AVX-512/AVX2/scalar, 1 and 2 threads)', () => {
    const loaded = loadAddon();
    if (!loaded.ok) throw new Error(loaded.reason);
    const addon = loaded.addon;
    for (const lm of [true, false]) {
      for (const len of [1, 7, 8, 9, 17, 1003, 600_001]) {
        const ref = args(len, lm, len);
        const want = copy(ref);
        definition(want);
        const runs: LangevinUpdateArgs[] = [];
        for (const threads of [1, 2]) {
          const u = copy(ref);
          createOpenblasBackend({ threads }).langevinUpdate!(u);
          runs.push(u);
        }
        for (const isa of [0, 1]) {
          const u = copy(ref);
          addon.langevinUpdate(
            2,
            u.len,
            u.theta,
            u.grad,
            u.xi,
            u.xiPrev,
            u.invVar,
            u.m,
            u.sqrt2m,
            u.invKappa,
            u.eta,
            u.noiseScale,
            isa,
          );
          runs.push(u);
        }
        for (const u of runs) {
          let bad = 0;
          for (let i = 0; i < len; i++) {
            if (
              !Object.is(u.theta[i], want.theta[i]) ||
              !Object.is(u.grad[i], want.grad[i]) ||
              (lm && !Object.is(u.xiPrev![i], want.xiPrev![i]))
            )
              bad++;
          }
          expect(bad).toBe(0);
        }
        // the update moved θ (not a copy of the input)
        expect(want.theta[0]).not.toBe(ref.theta[0]);
      }
    }
  });
});
