/**
 * The exact cavity law of one neuron, measured from network states, and the environment closures checked against it
 * (docs/theory/grokking.md §4.9, "Four closures at nine points"; docs/guides/grokking.md).
 *
 * Exactly, a neuron of the N-neuron network has the marginal e^{−½|w|² − Γ(w)}·E_{K_e}[e^{−D(K_e)}], where K_e is the
 * kernel of the other N − 1 neurons, distributed as in the (N − 1)-neuron network at the same per-neuron scale
 * ε = σ_a²/N, and D(K) = F(K + εφφ†) − F(K) with F(K) = ½tr(Y(K + σ²)⁻¹) + (P/2)·log det(K + σ²). Given states of
 * that (N − 1)-neuron network (the environment) and samples φ of the N-neuron network's single-neuron law, the exact
 * log-weight of each sample is log E_e[e^{−D(K_e)}]; a closure replaces it with an approximation built from the
 * environment's moments. Reweighting the samples by e^{closure − exact} gives the closure's law, and its
 * ⟨|w_k|²|v_k|²⟩ relative to the exact one says how far the closure's single-neuron law is off, with every other part
 * of the theory exact. {@link modularCavityLaw} computes:
 * - `cavity`: −D(Q̄), the others' kernel at its mean Q̄;
 * - `kernel-linear`: −D(Q̄) + ½Var_e(D linear in δK = K_e − Q̄), the screened theory's reaction with the exact
 *   environment's covariance and no stiffness shift;
 * - `kernel-linear-shifted`: the same less the second-order stiffness shift ½E_e[δK·D''·δK], the screened theory's form;
 * - `resolvent-linear`: −D(R) + ½Var_e(D linear in δG = G_e − R), R = E_e[(K_e + σ²)⁻¹] the mean resolvent;
 * - `mean-d`, `mean-d-kernel-linear`, `mean-d-resolvent-linear`: −E_e[D] (Jensen's bound), and −E_e[D] plus either
 *   variance term above (the exact mean shift with a linearised reaction);
 * - `cumulant-2`: −E_e[D] + ½Var_e[D], the exact first two cumulants.
 */
import { InvalidArgumentError } from '@sftdl/compute';
import { type Key, fold, uniform } from '@sftdl/field';
import type { ModularKernelMoments } from './modular-environment';
import { choleskyHermitian, lowerSolveUnit } from './modular-screened';

/** The closures {@link modularCavityLaw} compares with the exact cavity law. */
export type ModularCavityClosureName =
  | 'cavity'
  | 'kernel-linear'
  | 'kernel-linear-shifted'
  | 'resolvent-linear'
  | 'mean-d'
  | 'mean-d-kernel-linear'
  | 'mean-d-resolvent-linear'
  | 'cumulant-2';

/** One closure's single-neuron law against the exact cavity law. */
export interface ModularCavityClosure {
  name: ModularCavityClosureName;
  /** ⟨|w_k|²|v_k|²⟩ over the target modes under the closure's law (the samples reweighted by e^{closure − exact}). */
  w2v2: number;
  /** w2v2 relative to the exact law's, minus 1 (+: the closure's law is too deep). */
  relative: number;
  /**
   * Standard error of `relative`: delete-a-block jackknives over 10 contiguous blocks of the samples (in their given
   * order) and of the environment states (in the order added), in quadrature. Contiguous blocks of a time-ordered run
   * keep its autocorrelation inside a block.
   */
  relativeSe: number;
  /** The environments' part of `relativeSe`. */
  relativeSeEnvironments: number;
  /** Kish effective sample size of the reweighting (of `neurons`). */
  ess: number;
  /** Standard deviation over the samples of the closure's log-weight minus the exact one (nats). */
  rmsLogWeight: number;
}

/** The result of {@link modularCavityLaw}. */
export interface ModularCavityLaw {
  /** Environment states used (states of the (N − 1)-neuron network). */
  environmentStates: number;
  /** Single-neuron samples used. */
  neurons: number;
  /** ⟨|w_k|²|v_k|²⟩ of the samples: the exact law (the samples are drawn from it). */
  w2v2: number;
  closures: ModularCavityClosure[];
  /** Median over the samples of the exact mean shift E_e[D] − D(Q̄). */
  meanShift: number;
  /** Median over the samples of its second-order estimate ½E_e[δK·D''·δK]. */
  meanShiftSecondOrder: number;
  /**
   * The change of `relative` when the variance term of `mean-d-resolvent-linear` is scaled by 1 ± 0.1 (half the
   * difference): how precise a theory of the environment's covariance has to be for a given precision of the law.
   */
  reactionSensitivity: number;
  /** With `logWeights`: each sample's log-weight, exact and per closure (length `neurons`). */
  logWeights?: { exact: Float64Array } & Record<ModularCavityClosureName, Float64Array>;
}

export interface ModularCavityLawOptions {
  /** Environment states used, drawn without replacement from those added (default 600, all if fewer). */
  environments?: number;
  /**
   * Single-neuron samples used, drawn without replacement (default 2000, all if fewer; kept in the given order, which
   * the samples' jackknife takes as time order).
   */
  neurons?: number;
  /** Key of the two draws (required when either draw is a proper subset). */
  key?: Key;
  /** Return the per-sample log-weights (default false). */
  logWeights?: boolean;
}

/** Blocks of environments and of samples for the delete-a-block jackknives of `relativeSe`. */
const JACKKNIFE_BATCHES = 10;

/** log(e^a + e^b), safe at −∞. */
function logAddExp(a: number, b: number): number {
  const hi = Math.max(a, b);
  return hi === -Infinity ? -Infinity : hi + Math.log(Math.exp(a - hi) + Math.exp(b - hi));
}

/** Relative step of the finite differences along δK (central, h = 1e-4: truncation O(h²), rounding O(ε_mach/h²) in the second difference). */
const H_STEP = 1e-4;

/** The normalised weights e^{l − exact} of the samples (shifted by their maximum before exponentiating). */
function reweight(l: Float64Array, exact: Float64Array): Float64Array {
  const d = Float64Array.from(l, (x, s) => x - exact[s]!);
  const dMax = d.reduce((x, y) => Math.max(x, y), -Infinity);
  const w = Float64Array.from(d, (x) => Math.exp(x - dMax));
  const sum = w.reduce((x, y) => x + y, 0);
  return w.map((x) => x / sum);
}

/**
 * Indices of `m` of `0…n − 1` without replacement (a partial Fisher–Yates shuffle by uniforms of `key`), sorted: the
 * draw of {@link modularCavityLaw}'s environments and samples, and of `demo modular --cavity-check`'s samples.
 * @internal
 */
export function drawIndices(n: number, m: number, key: Key | undefined, what = 'items'): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (m >= n) return idx;
  if (!key) throw new InvalidArgumentError(`modularCavityLaw: drawing ${m} of ${n} ${what} needs a key (opts.key)`);
  const u = uniform(key, m);
  for (let i = 0; i < m; i++) {
    const j = i + Math.min(n - i - 1, Math.floor(u[i]! * (n - i)));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx.slice(0, m).sort((a, b) => a - b);
}

/**
 * Evaluates X = εφ†Gφ and g_t = (Gφ)_t (t the target modes) for every sample from the Cholesky factor L of K + σ²
 * (z = L⁻¹φ, X = ε|z|², g_t = (L⁻¹e_t)†z). Writes X into `X` and g into `gr`, `gi` (sample-major, P − 1 per sample).
 */
function quadraticForms(
  Lr: Float64Array,
  Li: Float64Array,
  n: number,
  targets: readonly number[],
  fr: Float64Array,
  fi: Float64Array,
  count: number,
  eps: number,
  X: Float64Array,
  gr: Float64Array,
  gi: Float64Array,
): void {
  const T = targets.length;
  // u_t = L⁻¹e_t (zero above t)
  const ur = new Float64Array(T * n),
    ui = new Float64Array(T * n);
  targets.forEach((k0, t) => lowerSolveUnit(Lr, Li, n, k0, ur, ui, t * n));
  const zr = new Float64Array(n),
    zi = new Float64Array(n);
  for (let s = 0; s < count; s++) {
    const o = s * n;
    let x = 0;
    for (let i = 0; i < n; i++) {
      let ar = fr[o + i]!,
        ai = fi[o + i]!;
      const row = i * n;
      for (let k = 0; k < i; k++) {
        const lr = Lr[row + k]!,
          li = Li[row + k]!;
        ar -= lr * zr[k]! - li * zi[k]!;
        ai -= lr * zi[k]! + li * zr[k]!;
      }
      const d = Lr[row + i]!;
      zr[i] = ar / d;
      zi[i] = ai / d;
      x += zr[i]! ** 2 + zi[i]! ** 2;
    }
    X[s] = eps * x;
    for (let t = 0; t < T; t++) {
      const ot = t * n,
        k0 = targets[t]!;
      let ar = 0,
        ai = 0;
      // (u_t)†z
      for (let i = k0; i < n; i++) {
        ar += ur[ot + i]! * zr[i]! + ui[ot + i]! * zi[i]!;
        ai += ur[ot + i]! * zi[i]! - ui[ot + i]! * zr[i]!;
      }
      gr[s * T + t] = ar;
      gi[s * T + t] = ai;
    }
  }
}

/** D = −½ε·Σ_t Y_t|g_t|²/(1 + X) + (P/2)·log(1 + X) (Sherman–Morrison), Y_t = P on every target. */
function dOf(X: number, gr: Float64Array, gi: Float64Array, o: number, T: number, P: number, eps: number): number {
  let yg = 0;
  for (let t = 0; t < T; t++) yg += gr[o + t]! ** 2 + gi[o + t]! ** 2;
  yg *= P;
  return (-0.5 * eps * yg) / (1 + X) + 0.5 * P * Math.log1p(X);
}

/**
 * The exact cavity law of a neuron against five closures of its environment (module comment above), from states of
 * the (N − 1)-neuron network (`environment`: its {@link ModularKernelMoments}, whose ε = σ_a²/N must be the
 * N-neuron network's) and samples of the N-neuron network's single-neuron law (`neurons`: features as
 * {@link ModularKernelMoments.neurons} returns them). Cost O(E·S·P⁴) for E environments and S samples (≈ 30 s at
 * P = 7 with the defaults, ≈ 2 min at P = 11 with 400 × 1000).
 */
export function modularCavityLaw(
  environment: ModularKernelMoments,
  neurons: { re: Float64Array; im: Float64Array; count: number },
  sigma2: number,
  opts: ModularCavityLawOptions = {},
): ModularCavityLaw {
  const P = environment.P;
  const n = P * P;
  const eps = environment.sigmaA2 / environment.N;
  if (!(sigma2 > 0 && Number.isFinite(sigma2)))
    throw new InvalidArgumentError(`modularCavityLaw: σ² must be a positive number, got ${sigma2}`);
  if (neurons.re.length !== neurons.count * n || neurons.im.length !== neurons.count * n)
    throw new InvalidArgumentError(
      `modularCavityLaw: the samples' features must have ${n} (= P²) entries each, as ModularKernelMoments.neurons() gives`,
    );
  const states = environment.stateWeights();
  if (states.length < 2)
    throw new InvalidArgumentError(
      `modularCavityLaw: needs at least 2 environment states, has ${states.length}: add (N − 1)-network states first`,
    );
  if (neurons.count < 2)
    throw new InvalidArgumentError(`modularCavityLaw: needs at least 2 single-neuron samples, got ${neurons.count}`);
  const E = Math.min(states.length, opts.environments ?? 600);
  const S = Math.min(neurons.count, opts.neurons ?? 2000);
  if (!(E >= 2 && S >= 2)) throw new InvalidArgumentError('modularCavityLaw: environments and neurons must be at least 2');
  const envIdx = drawIndices(states.length, E, opts.key ? fold(opts.key, 0) : undefined, 'environment states');
  const neuIdx = drawIndices(neurons.count, S, opts.key ? fold(opts.key, 1) : undefined, 'samples');
  const fr = new Float64Array(S * n),
    fi = new Float64Array(S * n);
  neuIdx.forEach((j, s) => {
    fr.set(neurons.re.subarray(j * n, (j + 1) * n), s * n);
    fi.set(neurons.im.subarray(j * n, (j + 1) * n), s * n);
  });
  const targets: number[] = [];
  for (let k = 1; k < P; k++) targets.push(k * P + k);
  const T = targets.length;

  // the environments' mean kernel Q̄ (the kernels are rebuilt from the states in the second pass: O(N·P⁴) each)
  const Qr = new Float64Array(n * n),
    Qi = new Float64Array(n * n);
  for (const e of envIdx) {
    const k = environment.kernel(states[e]!);
    for (let j = 0; j < n * n; j++) {
      Qr[j] = Qr[j]! + k.re[j]! / E;
      Qi[j] = Qi[j]! + k.im[j]! / E;
    }
  }
  const Lr = new Float64Array(n * n),
    Li = new Float64Array(n * n);
  const factor = (ar: Float64Array, ai: Float64Array, what: string): void => {
    Lr.set(ar);
    Li.set(ai);
    for (let i = 0; i < n; i++) Lr[i * n + i] = Lr[i * n + i]! + sigma2;
    if (choleskyHermitian(Lr, Li, n) === null)
      throw new InvalidArgumentError(`modularCavityLaw: ${what} + σ² is not positive definite; check σ² and the states`);
  };
  const X = new Float64Array(S),
    gr = new Float64Array(S * T),
    gi = new Float64Array(S * T);
  // at the mean kernel
  factor(Qr, Qi, 'the mean kernel');
  quadraticForms(Lr, Li, n, targets, fr, fi, S, eps, X, gr, gi);
  const D0 = new Float64Array(S);
  for (let s = 0; s < S; s++) D0[s] = dOf(X[s]!, gr, gi, s * T, T, P, eps);

  // streamed over the environments, per sample and per batch of environments (contiguous in the states' order, for
  // the delete-a-batch jackknife): log Σ_e e^{−D} (running maximum), the moments of D and of D along δK (first and
  // second differences), and the first two moments of v = (X, Re g, Im g) at G_e, which are linear in G
  const B = Math.min(JACKKNIFE_BATCHES, E);
  const m = 1 + 2 * T;
  const acc = {
    count: new Float64Array(B),
    lse: new Float64Array(B * S).fill(-Infinity),
    sD: new Float64Array(B * S),
    sD2: new Float64Array(B * S),
    sL: new Float64Array(B * S),
    sL2: new Float64Array(B * S),
    sSec: new Float64Array(B * S),
    sv: new Float64Array(B * S * m),
    sv2: new Float64Array(B * S * m * m),
  };
  const v = new Float64Array(m);
  const Xp = new Float64Array(S),
    grp = new Float64Array(S * T),
    gip = new Float64Array(S * T);
  const Xm = new Float64Array(S),
    grm = new Float64Array(S * T),
    gim = new Float64Array(S * T);
  const Ar = new Float64Array(n * n),
    Ai = new Float64Array(n * n);
  envIdx.forEach((e, j) => {
    const bt = Math.floor((j * B) / E);
    acc.count[bt] = acc.count[bt]! + 1;
    const k = environment.kernel(states[e]!);
    const kr = Float64Array.from(k.re),
      ki = Float64Array.from(k.im);
    factor(kr, ki, 'an environment kernel');
    quadraticForms(Lr, Li, n, targets, fr, fi, S, eps, X, gr, gi);
    for (const [sign, Xo, gro, gio] of [
      [1, Xp, grp, gip],
      [-1, Xm, grm, gim],
    ] as const) {
      for (let q = 0; q < n * n; q++) {
        Ar[q] = Qr[q]! + sign * H_STEP * (kr[q]! - Qr[q]!);
        Ai[q] = Qi[q]! + sign * H_STEP * (ki[q]! - Qi[q]!);
      }
      factor(Ar, Ai, 'the mean kernel moved towards an environment kernel');
      quadraticForms(Lr, Li, n, targets, fr, fi, S, eps, Xo, gro, gio);
    }
    for (let s = 0; s < S; s++) {
      const i = bt * S + s;
      const d = dOf(X[s]!, gr, gi, s * T, T, P, eps) - D0[s]!;
      acc.lse[i] = logAddExp(acc.lse[i]!, -d);
      acc.sD[i] = acc.sD[i]! + d;
      acc.sD2[i] = acc.sD2[i]! + d * d;
      const dp = dOf(Xp[s]!, grp, gip, s * T, T, P, eps),
        dm = dOf(Xm[s]!, grm, gim, s * T, T, P, eps);
      const lin = (dp - dm) / (2 * H_STEP);
      acc.sL[i] = acc.sL[i]! + lin;
      acc.sL2[i] = acc.sL2[i]! + lin * lin;
      acc.sSec[i] = acc.sSec[i]! + (dp + dm - 2 * D0[s]!) / H_STEP ** 2;
      v[0] = X[s]!;
      for (let t = 0; t < T; t++) {
        v[1 + t] = gr[s * T + t]!;
        v[1 + T + t] = gi[s * T + t]!;
      }
      const o = i * m,
        o2 = i * m * m;
      for (let a = 0; a < m; a++) {
        acc.sv[o + a] = acc.sv[o + a]! + v[a]!;
        for (let c = 0; c <= a; c++) acc.sv2[o2 + a * m + c] = acc.sv2[o2 + a * m + c]! + v[a]! * v[c]!;
      }
    }
  });

  // the samples' target power |φ̂_(k,k)|²/(4P²) = |w_k|²|v_k|², averaged over the target modes
  const pp = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    let a = 0;
    for (const t of targets) a += fr[s * n + t]! ** 2 + fi[s * n + t]! ** 2;
    pp[s] = a / T / (4 * P * P);
  }
  const ppMean = pp.reduce((x, y) => x + y, 0) / S;

  // the exact log-weight and the closures from the batches not left out (leave = −1: all)
  const names: ModularCavityClosureName[] = [
    'cavity',
    'kernel-linear',
    'kernel-linear-shifted',
    'resolvent-linear',
    'mean-d',
    'mean-d-kernel-linear',
    'mean-d-resolvent-linear',
    'cumulant-2',
  ];
  const evaluate = (leave: number) => {
    const lw = Object.fromEntries(names.map((k) => [k, new Float64Array(S)])) as Record<ModularCavityClosureName, Float64Array>;
    const exact = new Float64Array(S);
    const shift = new Float64Array(S),
      shift2 = new Float64Array(S),
      reactionG = new Float64Array(S);
    const sv = new Float64Array(m),
      sv2 = new Float64Array(m * m),
      c = new Float64Array(m);
    let En = 0;
    for (let bt = 0; bt < B; bt++) if (bt !== leave) En += acc.count[bt]!;
    for (let s = 0; s < S; s++) {
      let lse = -Infinity,
        sD = 0,
        sD2 = 0,
        sL = 0,
        sL2 = 0,
        sSec = 0;
      sv.fill(0);
      sv2.fill(0);
      for (let bt = 0; bt < B; bt++) {
        if (bt === leave) continue;
        const i = bt * S + s;
        lse = logAddExp(lse, acc.lse[i]!);
        sD += acc.sD[i]!;
        sD2 += acc.sD2[i]!;
        sL += acc.sL[i]!;
        sL2 += acc.sL2[i]!;
        sSec += acc.sSec[i]!;
        for (let a = 0; a < m; a++) sv[a] = sv[a]! + acc.sv[i * m + a]!;
        for (let a = 0; a < m * m; a++) sv2[a] = sv2[a]! + acc.sv2[i * m * m + a]!;
      }
      // D is accumulated relative to D(Q̄) (better conditioned moments)
      const mD = sD / En,
        vD = Math.max(0, sD2 / En - mD * mD);
      const mL = sL / En,
        vL = Math.max(0, sL2 / En - mL * mL);
      const mSec = sSec / En;
      // D at the mean resolvent R (X and g are linear in G, so their means are X and g at R) and its gradient c in v
      const mX = sv[0]! / En;
      let yR = 0;
      for (let t = 0; t < T; t++) yR += (sv[1 + t]! / En) ** 2 + (sv[1 + T + t]! / En) ** 2;
      yR *= P;
      const DR = (-0.5 * eps * yR) / (1 + mX) + 0.5 * P * Math.log1p(mX);
      c[0] = (0.5 * eps * yR) / (1 + mX) ** 2 + (0.5 * P) / (1 + mX);
      for (let t = 0; t < T; t++) {
        c[1 + t] = (-eps * P * (sv[1 + t]! / En)) / (1 + mX);
        c[1 + T + t] = (-eps * P * (sv[1 + T + t]! / En)) / (1 + mX);
      }
      // Var(c·v) = cᵀ Cov(v) c
      let vG = 0;
      for (let a = 0; a < m; a++)
        for (let b = 0; b < m; b++) {
          const cov = sv2[Math.max(a, b) * m + Math.min(a, b)]! / En - (sv[a]! / En) * (sv[b]! / En);
          vG += c[a]! * c[b]! * cov;
        }
      vG = Math.max(0, vG);
      exact[s] = lse - Math.log(En) - D0[s]!;
      lw.cavity[s] = -D0[s]!;
      lw['kernel-linear'][s] = -D0[s]! + 0.5 * vL;
      lw['kernel-linear-shifted'][s] = -D0[s]! - 0.5 * mSec + 0.5 * vL;
      lw['resolvent-linear'][s] = -DR + 0.5 * vG;
      lw['mean-d'][s] = -(D0[s]! + mD);
      lw['mean-d-kernel-linear'][s] = -(D0[s]! + mD) + 0.5 * vL;
      lw['mean-d-resolvent-linear'][s] = -(D0[s]! + mD) + 0.5 * vG;
      reactionG[s] = 0.5 * vG;
      lw['cumulant-2'][s] = -(D0[s]! + mD) + 0.5 * vD;
      shift[s] = mD;
      shift2[s] = 0.5 * mSec;
    }
    const closures = names.map((name) => {
      const d = Float64Array.from(lw[name], (x, s) => x - exact[s]!);
      const w = reweight(lw[name], exact);
      let mw = 0,
        w2 = 0;
      for (let s = 0; s < S; s++) {
        mw += w[s]! * pp[s]!;
        w2 += w[s]! ** 2;
      }
      // delete-a-block jackknife over the samples in their given order (time order for network states: contiguous
      // blocks keep the autocorrelation inside a block)
      const Bs = Math.min(JACKKNIFE_BATCHES, S);
      const rel: number[] = [];
      for (let bs = 0; bs < Bs; bs++) {
        const lo = Math.floor((bs * S) / Bs),
          hi = Math.floor(((bs + 1) * S) / Bs);
        let sw = 0,
          swx = 0,
          sx = 0;
        for (let s = 0; s < S; s++) {
          if (s >= lo && s < hi) continue;
          sw += w[s]!;
          swx += w[s]! * pp[s]!;
          sx += pp[s]!;
        }
        rel.push(swx / sw / (sx / (S - (hi - lo))) - 1);
      }
      const rm = rel.reduce((p, q) => p + q, 0) / Bs;
      const vs = ((Bs - 1) / Bs) * rel.reduce((p, q) => p + (q - rm) ** 2, 0);
      const dm = d.reduce((x, y) => x + y, 0) / S;
      const rms = Math.sqrt(d.reduce((x, y) => x + (y - dm) ** 2, 0) / S);
      return { name, w2v2: mw, relative: mw / ppMean - 1, seSamples: Math.sqrt(vs), ess: 1 / w2, rmsLogWeight: rms };
    });
    return { lw, exact, shift, shift2, reactionG, closures };
  };
  const all = evaluate(-1);
  // delete-a-batch jackknife over the environments (Q̄, and so the cavity action, held at all of them)
  const jack = B >= 2 ? Array.from({ length: B }, (_, bt) => evaluate(bt).closures) : [];
  const closures = all.closures.map((x, ci): ModularCavityClosure => {
    let seEnv = 0;
    if (jack.length >= 2) {
      const r = jack.map((j) => j[ci]!.relative);
      const mean = r.reduce((p, q) => p + q, 0) / r.length;
      seEnv = Math.sqrt(((r.length - 1) / r.length) * r.reduce((p, q) => p + (q - mean) ** 2, 0));
    }
    return {
      name: x.name,
      w2v2: x.w2v2,
      relative: x.relative,
      relativeSe: Math.hypot(x.seSamples, seEnv),
      relativeSeEnvironments: seEnv,
      ess: x.ess,
      rmsLogWeight: x.rmsLogWeight,
    };
  });
  const { lw, exact, shift, shift2, reactionG } = all;
  // how steep the law is in the reaction: ⟨|w_k|²|v_k|²⟩ of −E_e[D] + ½f·Var_e(D linear in δG) at f = 1 ± 0.1
  const relativeOf = (l: Float64Array) => reweight(l, exact).reduce((acc, w, s) => acc + w * pp[s]!, 0) / ppMean - 1;
  const base = lw['mean-d-resolvent-linear'];
  const reactionSensitivity =
    (relativeOf(Float64Array.from(base, (x, s) => x + 0.1 * reactionG[s]!)) -
      relativeOf(Float64Array.from(base, (x, s) => x - 0.1 * reactionG[s]!))) /
    2;
  const median = (a: Float64Array) => {
    const b = Float64Array.from(a).sort();
    return b.length % 2 ? b[(b.length - 1) / 2]! : 0.5 * (b[b.length / 2 - 1]! + b[b.length / 2]!);
  };
  for (const c of closures)
    if (!Number.isFinite(c.relative))
      throw new InvalidArgumentError(
        `modularCavityLaw: the ${c.name} closure's reweighting is not finite; use more samples or check the states`,
      );
  return {
    environmentStates: E,
    neurons: S,
    w2v2: ppMean,
    closures,
    meanShift: median(shift),
    meanShiftSecondOrder: median(shift2),
    reactionSensitivity,
    ...(opts.logWeights ? { logWeights: { exact, ...lw } } : {}),
  };
}
