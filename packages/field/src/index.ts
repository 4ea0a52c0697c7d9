// @sftdl/field — the mathematical primitives of the field theory of deep learning, by topic. Each section
// re-exports one module's public names.

// ── Random keys: counter-based (Philox) keys, split/fold, normal and uniform draws ───────────────────────────────────
export type { Key } from './keys';
export { fold, key, keyFromJSON, keyToJSON, normal, normalMat, philox4x32, split, uniform } from './keys';

// ── Special functions and orthogonal polynomials: Hermite, Gegenbauer/Legendre on the sphere, Γ ratios ──────────────
export { hermiteHe, hermiteHeAll, hermiteHeNormalized } from './hermite';
export { binomial, doubleFactorialOdd, factorial, logGamma, logGammaRatio } from './special';
export type { SphereEigen } from './sphere';
export {
  funkHeckeEigenvalues,
  funkHeckeFromPowerSeries,
  gegenbauer,
  legendreNormalized,
  legendreNormalizedAll,
  sphereMultiplicity,
  sphereSample,
} from './sphere';

// ── Quadrature and Gaussian expectations: Gauss rules, E[g(z)], bivariate expectations, Hermite coefficients ────────
export type { QuadratureRule } from './quadrature';
export { compositeGaussLegendre, gaussHermite, gaussLegendre } from './quadrature';
export type { BivariateOptions, GaussianExpectationOptions, HermiteCoefficientOptions } from './gaussian';
export {
  bivariateGaussianExpectation,
  erfHermiteCoefficients,
  gaussianExpectation,
  hermiteCoefficients,
  linearHermiteCoefficients,
  mehlerSum,
  monomialHermiteCoefficients,
  reluHermiteCoefficients,
} from './gaussian';

// ── Monte Carlo and moments: sampled expectations, Wick/Isserlis, cumulants ↔ moments, k-statistics ────────────────
export type { MonteCarloEstimate } from './montecarlo';
export { monteCarloExpectation, multivariateNormal } from './montecarlo';
export type { KStatistics } from './wick';
export { cumulantsToMoments, gaussianMoment, jointCumulant, kStatistics, momentsToCumulants } from './wick';

// ── Equation solvers: roots, minimisation, Newton, Anderson, multi-start, continuation and hysteresis ───────────────
export type {
  AndersonOptions,
  BrentOptions,
  ContinuationOptions,
  ContinuationPoint,
  HysteresisResult,
  Minimize1dResult,
  MultistartResult,
  NewtonOptions,
  RootResult,
  VectorSolveResult,
} from './solvers';
export { anderson, brent, continuation, continuationBothWays, minimize1d, multistart, newton } from './solvers';

// ── Saddle points and first-order transitions: local minima, Laplace / large-deviation integrals, jumps, spinodals ──
export type { LargeDeviationOptions, LargeDeviationResult, LocalMinimum, MinimaOptions, WeightedMinimum } from './laplace';
export { findLocalMinima, laplaceApproximation, largeDeviationIntegral } from './laplace';
export type { ActionFamily, DegeneracyResult, MinimumJump, Spinodal, TrackPoint, TransitionOptions } from './transitions';
export { degeneracyPoint, spinodals, trackMinima } from './transitions';
