// @sftdl/solvers — the theories of the papers as solvers, by topic. Each section re-exports one topic's public
// names; the equations each one implements are in `docs/theory/`.

// ── GP inference: predictors from a kernel function, regression on precomputed kernels, fitting, NTK prediction ─────
export type { KernelFn, Targets } from './gp/targets';
export type { GpPredictOptions, GpPrediction, GpPredictor, GpPredictorJSON, GpPredictorOptions, MatJSON } from './gp/predictor';
export { gpPredictor, gpPredictorFromJSON } from './gp/predictor';
export type { EnsemblePredictOptions, NngpNtkKernelFn, NtkEnsembleOptions, NtkEnsemblePredictor } from './gp/ensemble';
export { ntkEnsemblePredictor } from './gp/ensemble';
export type { GpOutputOf, GpRegressionOptions, GpRegressionResult, GpRegressionResultOf, JitterPolicy } from './gp/regression';
export { choleskyWithJitter, estimateConditionNumber, gpRegression } from './gp/regression';
export type { GpFitOptions, GpFitResult, HyperParameter, LbfgsResult, NngpFitOptions } from './gp/fit';
export { fitGpHyperparameters, fitNngpHyperparameters, lbfgsMinimize } from './gp/fit';
export type { NtkPredictorOptions, NtkPredictorResult, NtkPredictorResultOf } from './gp/ntk';
export { ntkPredictor } from './gp/ntk';

// ── Learning curves: equivalent kernel, renormalised ridge, empirical comparison ────────────────────────────────────
export type {
  CurveComparison,
  EmpiricalCurvePoint,
  EquivalentKernelResult,
  LearningCurveOptions,
  LearningCurvePoint,
  LearningSpectrum,
} from './learning/eigenlearning';
export {
  compareLearningCurves,
  empiricalLearningCurve,
  equivalentKernel,
  learningCurve,
  renormalizedRidge,
} from './learning/eigenlearning';

// ── Kernel rescaling: two-layer (any NNGP kernel) and deep linear ───────────────────────────────────────────────────
export type {
  DeepLinearRescalingResult,
  KernelEigenSystem,
  KernelRescalingOptions,
  KernelRescalingResult,
} from './rescaling/kernelRescaling';
export {
  deepLinearKernelRescaling,
  kernelEigenSystem,
  kernelRescaling,
  kernelRescalingAction,
  kernelScaleFromSpectrum,
} from './rescaling/kernelRescaling';

// ── Multi-scale adaptive (MSA) theory: problem set-up, linear tree/one-loop, exact oracle, sampled, annealing, report ─
export type { MsaInput, MsaSetup } from './msa/problem';
export { msaSetup, twoLayerNngp } from './msa/problem';
export type {
  LinearMsaSpectrum,
  MsaLinearSolution,
  MsaOneLoopSolution,
  MsaSolveOptions,
  ScalarScaleResult,
  ScaledGpPrediction,
} from './msa/linear';
export {
  linearMsaOneLoop,
  linearMsaSpectrum,
  linearMsaTree,
  msaOneLoopScalar,
  msaTreeScalar,
  scaledGpPredict,
} from './msa/linear';
export type { LinearExactResult } from './msa/exact';
export { linearExactOracle } from './msa/exact';
export type { MsaActivation } from './msa/sampling';
export type { SampledMsaOptions, SampledMsaResult } from './msa/sampled';
export { sampledMsa } from './msa/sampled';
export type { AnnealStep, MsaAnnealOptions } from './msa/anneal';
export { msaAnneal } from './msa/anneal';
export type { DeltaCSummary, MsaReport, MsaReportOptions } from './msa/report';
export { msaReport } from './msa/report';

// ── Adaptive-kernel (AK) theory of two-layer networks on finite data: one solver (importance, MALA, kernel saddle) ──
export type { AdaptiveActivation, AdaptiveKernelOptions, AdaptiveKernelProblem, AdaptiveKernelResult } from './adaptive/solver';
export { solveAdaptiveKernel } from './adaptive/solver';

// ── Grokking phase transition: cubic teacher (reduced action, d → ∞ theory, finite d, sweeps), modular addition ──────
export type { CubicActionCoefficients, CubicSolution, CubicTeacherParams, GrokkingPhase, M11Convention } from './grokking/action';
export {
  cubicInvariants,
  cubicKernelProjection,
  deepestNontrivialMinimum,
  erfHermiteProjections,
  nontrivialMinimaCubic,
  reducedActionCubic,
  reducedActionCubicSlopeOverQ,
} from './grokking/action';
export type { CubicCriticalPoint, CubicPathVariable } from './grokking/thermodynamic';
export { cubicCriticalPoint, gflDiscrepancy, solveCubicThermodynamic } from './grokking/thermodynamic';
export { cubicFiniteDMap, solveCubicFiniteD } from './grokking/finite-d';
export type { CubicSweepPoint } from './grokking/sweep';
export { sweepCubic } from './grokking/sweep';
export type { LambdaNormalization, ModularOnsets, ModularParams, ModularSolution } from './grokking/modular';
export type { ModularFinitePSolution, ModularPairMoments } from './grokking/modular-finite';
export { modularPairMoments, solveModularFiniteP } from './grokking/modular-finite';
export type {
  ModularFiniteNCorrection,
  ModularFiniteNOptions,
  ModularFiniteNSolution,
  ModularKernelClasses,
  ModularNetworkAverage,
} from './grokking/modular-finite-n';
export { solveModularFiniteN } from './grokking/modular-finite-n';
export type {
  ModularModeOccupation,
  ModularScreenedOccupation,
  ModularScreenedOptions,
  ModularScreenedSolution,
} from './grokking/modular-screened';
export {
  emptyModularModeOccupation,
  modularModeAmplitude,
  modularModeOccupation,
  modularNeuronFeatures,
  solveModularScreened,
} from './grokking/modular-screened';
export type {
  ModularCavityClosure,
  ModularCavityClosureName,
  ModularCavityLaw,
  ModularCavityLawOptions,
} from './grokking/modular-cavity-law';
export { drawIndices, modularCavityLaw } from './grokking/modular-cavity-law';
export type { ModularEnvironmentCheck, ModularFluctuationParts, ModularKernelSeries } from './grokking/modular-environment';
export { ModularKernelMoments, modularEnvironmentCheck, modularKernelSeries } from './grokking/modular-environment';
export type { ModularReadoutIntegral } from './grokking/modular-readout';
export { modularReadoutIntegral } from './grokking/modular-readout';
export {
  modularCurve,
  modularDegeneracy,
  modularInvariant,
  modularLambda,
  modularMixture,
  modularModeAction,
  modularOnsets,
  modularSaddles,
  solveModular,
} from './grokking/modular';
export type { ActionProfile, ActionProfilePoint } from './grokking/profile';
export { cubicActionProfile, modularModeProfile } from './grokking/profile';
