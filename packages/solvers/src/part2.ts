// Part 2: adaptive-kernel theory and the grokking phase transition (cubic teacher, modular addition).
export type { CubicActionCoefficients, CubicCriticalPoint, CubicPathVariable, CubicSolution, CubicSweepPoint, CubicTeacherParams, GrokkingPhase, M11Convention } from './grokking/cubic';
export {
  cubicCriticalPoint, cubicFiniteDMap, cubicInvariants, cubicKernelProjection, deepestNontrivialMinimum, erfHermiteProjections,
  gflDiscrepancy, nontrivialMinimaCubic, reducedActionCubic, reducedActionCubicSlopeOverQ, solveCubicFiniteD, solveCubicThermodynamic, sweepCubic,
} from './grokking/cubic';
export type { LambdaNormalization, ModularOnsets, ModularParams, ModularSolution } from './grokking/modular';
export { modularCurve, modularDegeneracy, modularInvariant, modularLambda, modularMixture, modularModeAction, modularOnsets, modularSaddles, solveModular } from './grokking/modular';
export type { HysteresisResult, LandscapeMinimum, LandscapeScan } from './grokking/transitions';
export { continuationBothWays, localMinima1d, scanLandscapePath } from './grokking/transitions';
export type { AdaptiveActivation, AdaptiveKernelOptions, AdaptiveKernelProblem, AdaptiveKernelResult } from './adaptive/solver';
export { solveAdaptiveKernel } from './adaptive/solver';
