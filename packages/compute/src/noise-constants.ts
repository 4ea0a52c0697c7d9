// The constants of the Langevin noise stream's Box–Muller transform (see noise.ts), shared by the TypeScript definition
// and the WebAssembly kernel (wasm/philox.ts); the native addon carries the same literals.

// sin(2πr) = r·Σ S[k]·(r²)^k and cos(2πr) = Σ C[k]·(r²)^k on |r| ≤ 1/8: the Taylor coefficients (−1)^k (2π)^(2k+1)/(2k+1)!
// and (−1)^k (2π)^(2k)/(2k)! rounded to float64 (50-digit arithmetic); truncation error below 1e-19 there.
export const S0 = 6.283185307179586,
  S1 = -41.34170224039976,
  S2 = 81.60524927607506,
  S3 = -76.70585975306139,
  S4 = 42.058693944897655,
  S5 = -15.09464257682299,
  S6 = 3.819952584848282,
  S7 = -0.7181223017785006,
  S8 = 0.10422916220813984;
export const C1 = -19.739208802178716,
  C2 = 64.9393940226683,
  C3 = -85.45681720669373,
  C4 = 60.24464137187666,
  C5 = -26.4262567833744,
  C6 = 7.903536371318469,
  C7 = -1.714390711088672,
  C8 = 0.28200596845579123;
// ln m = 2·atanh(s) = s·Σ L[k]·(s²)^k, s = (m − 1)/(m + 1), |s| ≤ 0.1716 for m ∈ [√2/2, √2]: L[k] = 2/(2k + 1); the
// truncation error is below 1e-18 relative there.
export const L0 = 2,
  L1 = 0.6666666666666666,
  L2 = 0.4,
  L3 = 0.2857142857142857,
  L4 = 0.2222222222222222,
  L5 = 0.18181818181818182,
  L6 = 0.15384615384615385,
  L7 = 0.13333333333333333,
  L8 = 0.11764705882352941,
  L9 = 0.10526315789473684,
  L10 = 0.09523809523809523,
  L11 = 0.08695652173913043;
/** ln 2 split: LN2_HI carries 21 significant bits (e·LN2_HI is exact), LN2_LO the rest. */
export const LN2_HI = 0.6931467056274414,
  LN2_LO = 4.7493250390316726e-7;
export const SQRT2 = 1.4142135623730951;
/** The sine series S0 … S8, cosine series C1 … C8 and log series L0 … L11 as arrays (coefficient of z^k at k). */
export const SIN_SERIES = [S0, S1, S2, S3, S4, S5, S6, S7, S8];
export const COS_SERIES = [1, C1, C2, C3, C4, C5, C6, C7, C8];
export const LOG_SERIES = [L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11];
