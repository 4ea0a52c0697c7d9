// Part 1 of @sftdl/solvers: GP inference, learning curves, kernel rescaling and the multi-scale adaptive (MSA) theory.
export type { GpRegressionOptions, GpRegressionResult, JitterPolicy } from './gp/regression';
export { choleskyWithJitter, estimateConditionNumber, gpRegression } from './gp/regression';
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
export type { DeepLinearRescalingResult, KernelEigenSystem, KernelRescalingOptions, KernelRescalingResult } from './rescaling/kernelRescaling';
export { deepLinearKernelRescaling, kernelEigenSystem, kernelRescaling, kernelRescalingAction, kernelScaleFromSpectrum } from './rescaling/kernelRescaling';
export type { GpFitOptions, GpFitResult, HyperParameter, LbfgsResult, NngpFitOptions } from './gp/fit';
export { fitGpHyperparameters, fitNngpHyperparameters, lbfgsMinimize } from './gp/fit';
export type { NtkPredictorOptions, NtkPredictorResult } from './gp/ntk';
export { ntkPredictor } from './gp/ntk';
export type {
  CurveComparison, EmpiricalCurvePoint, EquivalentKernelResult, LearningCurveOptions, LearningCurvePoint, LearningSpectrum,
} from './learning/eigenlearning';
export { compareLearningCurves, empiricalLearningCurve, equivalentKernel, learningCurve, renormalizedRidge } from './learning/eigenlearning';
