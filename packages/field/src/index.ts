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
