export type { Key } from './keys';
export { fold, key, keyFromJSON, keyToJSON, normal, normalMat, philox4x32, split, uniform } from './keys';

export { hermiteHe, hermiteHeAll, hermiteHeNormalized } from './hermite';
export type { QuadratureRule } from './quadrature';
export { compositeGaussLegendre, gaussHermite, gaussLegendre } from './quadrature';
export type { BivariateOptions, GaussianExpectationOptions, HermiteCoefficientOptions } from './gaussian';
export {
  bivariateGaussianExpectation, erfHermiteCoefficients, gaussianExpectation, hermiteCoefficients, linearHermiteCoefficients,
  mehlerSum, monomialHermiteCoefficients, reluHermiteCoefficients,
} from './gaussian';
export type {
  AndersonOptions, BrentOptions, ContinuationOptions, ContinuationPoint, Minimize1dResult, MultistartResult, NewtonOptions,
  RootResult, VectorSolveResult,
} from './solvers';
export { anderson, brent, continuation, minimize1d, multistart, newton } from './solvers';
export type { MonteCarloEstimate } from './montecarlo';
export { monteCarloExpectation, multivariateNormal } from './montecarlo';
export type { KStatistics } from './wick';
export { cumulantsToMoments, gaussianMoment, jointCumulant, kStatistics, momentsToCumulants } from './wick';
export { binomial, doubleFactorialOdd, factorial, logGamma, logGammaRatio } from './special';
export type { SphereEigen } from './sphere';
export {
  funkHeckeEigenvalues, funkHeckeFromPowerSeries, gegenbauer, legendreNormalized, legendreNormalizedAll, sphereMultiplicity, sphereSample,
} from './sphere';
export type { LargeDeviationOptions, LargeDeviationResult, LocalMinimum, MinimaOptions, WeightedMinimum } from './laplace';
export { findLocalMinima, laplaceApproximation, largeDeviationIntegral } from './laplace';
export type { ActionFamily, DegeneracyResult, MinimumJump, Spinodal, TrackPoint, TransitionOptions } from './transitions';
export { degeneracyPoint, spinodals, trackMinima } from './transitions';
