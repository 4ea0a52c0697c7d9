export { Fraction, frac } from './fraction';
export type { Exponents, Monomial } from './monomial';
export { addExps, expsEqual, formatMonomial, monomial, mulMono, powMono } from './monomial';
export type { Affine, LpSolution } from './lp';
export { affine, evalAffine, lpMinimize, vertices } from './lp';
export type {
  Candidate,
  CandidateSolution,
  EnergyLevel,
  EnergyTerm,
  FreeVariable,
  PatternKind,
  ScalingRelations,
  VariableOptimum,
} from './engine';
export { PATTERN_KINDS, exponentBreakpoints, minimalExponent, rankSolutions, solveCandidate } from './engine';
export type { Activation, ExplicitModel, FcnModel, ScalingModel, Target } from './models';
export {
  allPatternAssignments,
  assertTargetExpressible,
  attentionHead,
  buildFcnCandidate,
  builtinModels,
  cnnStated,
  modelCandidates,
  parseTarget,
  threeLayerFcn,
  twoLayerFcn,
  twoLayerLinear,
} from './models';
export type { PhaseBoundary, Prediction, PredictOptions } from './predict';
export { predict, sweepBoundaries } from './predict';
export { crossover, evaluateEnergy } from './crossover';
export type { Comparison, ExponentFit, RunRequest, RunResult, Runner, SweepOptions, SweepSize } from './empirical';
export {
  alignment, collapseExponent, compareWithPrediction, countSpecialised, fitOnsetExponent, fitPowerLaw, onsetFromCurve, runSweep,
} from './empirical';
