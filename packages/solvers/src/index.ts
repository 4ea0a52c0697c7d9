// @sftdl/solvers — the theories of the papers as solvers, by topic. Each section re-exports one topic's public
// names; the equations each one implements are in `docs/theory/`.

// ── GP inference: regression on a precomputed kernel, hyper-parameter fitting, the NTK predictor ──────────────────
export type { GpRegressionOptions, GpRegressionResult, JitterPolicy } from './gp/regression';
export { choleskyWithJitter, estimateConditionNumber, gpRegression } from './gp/regression';
export type { GpFitOptions, GpFitResult, HyperParameter, LbfgsResult, NngpFitOptions } from './gp/fit';
export { fitGpHyperparameters, fitNngpHyperparameters, lbfgsMinimize } from './gp/fit';
export type { NtkPredictorOptions, NtkPredictorResult } from './gp/ntk';
export { ntkPredictor } from './gp/ntk';

// ── Learning curves: equivalent kernel, renormalised ridge, empirical comparison ────────────────────────────────────
export type {
  CurveComparison, EmpiricalCurvePoint, EquivalentKernelResult, LearningCurveOptions, LearningCurvePoint, LearningSpectrum,
} from './learning/eigenlearning';
export { compareLearningCurves, empiricalLearningCurve, equivalentKernel, learningCurve, renormalizedRidge } from './learning/eigenlearning';

// ── Kernel rescaling: two-layer (any NNGP kernel) and deep linear ───────────────────────────────────────────────────
export type { DeepLinearRescalingResult, KernelEigenSystem, KernelRescalingOptions, KernelRescalingResult } from './rescaling/kernelRescaling';
export { deepLinearKernelRescaling, kernelEigenSystem, kernelRescaling, kernelRescalingAction, kernelScaleFromSpectrum } from './rescaling/kernelRescaling';

// ── Multi-scale adaptive (MSA) theory: problem set-up, linear tree/one-loop, exact oracle, sampled, annealing, report ─
export type { MsaInput, MsaSetup } from './msa/problem';
export { msaSetup, twoLayerNngp } from './msa/problem';
export type {
  LinearMsaSpectrum, MsaLinearSolution, MsaOneLoopSolution, MsaSolveOptions, ScalarScaleResult, ScaledGpPrediction,
} from './msa/linear';
export { linearMsaOneLoop, linearMsaSpectrum, linearMsaTree, msaOneLoopScalar, msaTreeScalar, scaledGpPredict } from './msa/linear';
export type { LinearExactResult } from './msa/exact';
export { linearExactOracle } from './msa/exact';
export type { MsaAdaptiveKernelOptions, MsaAdaptiveKernelResult, MsaActivation, SampledMsaOptions, SampledMsaResult } from './msa/tilted';
export { sampledAdaptiveKernel, sampledMsa } from './msa/tilted';
export type { AnnealStep } from './msa/anneal';
export { msaAnneal } from './msa/anneal';
export type { DeltaCSummary, MsaReport } from './msa/report';
export { msaReport } from './msa/report';

// ── Adaptive-kernel (AK) mean-field theory of two-layer networks on finite data ─────────────────────────────────────
export type { AdaptiveActivation, AdaptiveKernelOptions, AdaptiveKernelProblem, AdaptiveKernelResult } from './adaptive/solver';
export { solveAdaptiveKernel } from './adaptive/solver';

// ── Grokking phase transition: cubic teacher, modular addition, transition detection along a path ───────────────────
export type { CubicActionCoefficients, CubicCriticalPoint, CubicPathVariable, CubicSolution, CubicSweepPoint, CubicTeacherParams, GrokkingPhase, M11Convention } from './grokking/cubic';
export {
  cubicCriticalPoint, cubicFiniteDMap, cubicInvariants, cubicKernelProjection, deepestNontrivialMinimum, erfHermiteProjections,
  gflDiscrepancy, nontrivialMinimaCubic, reducedActionCubic, reducedActionCubicSlopeOverQ, solveCubicFiniteD, solveCubicThermodynamic, sweepCubic,
} from './grokking/cubic';
export type { LambdaNormalization, ModularOnsets, ModularParams, ModularSolution } from './grokking/modular';
export { modularCurve, modularDegeneracy, modularInvariant, modularLambda, modularMixture, modularModeAction, modularOnsets, modularSaddles, solveModular } from './grokking/modular';
export type { HysteresisResult, LandscapeMinimum, LandscapeScan } from './grokking/transitions';
export { continuationBothWays, localMinima1d, scanLandscapePath } from './grokking/transitions';
export type { ActionProfile, ActionProfilePoint } from './grokking/profile';
export { cubicActionProfile, modularModeProfile } from './grokking/profile';
