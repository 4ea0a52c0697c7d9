/**
 * @sftdl/scaling — curse-of-detail scale analysis: exact exponent arithmetic, the energy/LP engine, the paper's
 * models, predictions of the sample-complexity exponent, and the empirical onset fits that test them.
 * @packageDocumentation
 */

// ── Exact exponent arithmetic (fractions, monomials in d, N, L, …) ─────────────────────────────────────
export { Fraction, frac } from './fraction';
export type { Exponents, Monomial } from './monomial';
export { addExps, expsEqual, formatMonomial, monomial, mulMono, powMono } from './monomial';

// ── Linear programming over exponents ───────────────────────────────────────────────────────────────
export type { Affine, LpSolution } from './lp';
export { affine, evalAffine, lpMinimize, vertices } from './lp';

// ── The engine: energy levels of candidate mechanisms, minimal exponents, breakpoints ─────────────────
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

// ── Models (two-layer, three-layer, linear, attention head, CNN) and targets ──────────────────────────
export type { Activation, ExplicitModel, FcnModel, ScalingModel, Target } from './models';
export {
  allPatternAssignments,
  assertTargetExpressible,
  attentionHeadModel,
  buildFcnCandidate,
  builtinModels,
  cnnStated,
  modelCandidates,
  parseTarget,
  threeLayerFcn,
  twoLayerFcn,
  twoLayerLinear,
} from './models';

// ── Predictions and phase boundaries ─────────────────────────────────────────────────────────────────
export type { PhaseBoundary, Prediction, PredictOptions } from './predict';
export { predict, sweepBoundaries } from './predict';
export { crossover, evaluateEnergy } from './crossover';

// ── Empirical side: sweeps with an injected runner, onsets, fitted exponents ─────────────────────────
export type {
  Comparison,
  DatasetOnsetFit,
  ExponentFit,
  PooledCurve,
  PooledOnsetFit,
  PooledSize,
  RunRequest,
  RunResult,
  Runner,
  SweepOptions,
  SweepSize,
} from './empirical';
export {
  alignment,
  chanceSpecialised,
  collapseExponent,
  compareWithPrediction,
  countSpecialised,
  fitDatasetOnsets,
  fitOnsetExponent,
  fitPooledOnsets,
  fitPowerLaw,
  fitPowerLawWithOffset,
  onsetFromCurve,
  onsetFromTop,
  runSweep,
} from './empirical';

// ── Equilibrium onsets of a first-order transition: restricted-ensemble free energies ──────────────────
export { dividingThreshold, freeEnergyCurve, overlapTail, regionPriorLogMass } from './freeenergy';
