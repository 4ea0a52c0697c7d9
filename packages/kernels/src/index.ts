/**
 * @sftdl/kernels — exact infinite-width kernels of deep networks, their finite-width estimates and their spectra.
 * @packageDocumentation
 */

// ── Dual activations: F(Σ) = E[φ(u)φ(v)], Ḟ(Σ) = E[φ′(u)φ′(v)] ─────────────────────────────────────────────
export type { DualActivation, DualValue, LayerDual } from './dual';
export { DUAL_ACTIVATION_NAMES, getActivation } from './dual-registry';
export { hermiteActivation, polynomialActivation } from './dual-polynomial';
export type { CustomActivationOptions } from './dual-mehler';
export { customActivation } from './dual-mehler';

// ── Kernel recursion (NNGP / NTK layer by layer) ────────────────────────────────────────────────────────────
export type {
  ActivationOp,
  DenseOp,
  AllKernelKinds,
  KernelComputeOptions,
  KernelKind,
  KernelOp,
  KernelResult,
  Kernels,
  KernelsOf,
  Parameterization,
} from './recursion';
export { kernelProgram } from './recursion';

// ── Layer combinators (stax style): one definition → finite network + analytic kernels ───────────────────
export type { ApplyOptions, DenseOptions, DenseParams, Layer, Network, NetworkParams } from './stax';
export {
  absLayer,
  activation,
  cosLayer,
  dense,
  erfLayer,
  geluLayer,
  identityLayer,
  reluLayer,
  serial,
  sinLayer,
  softplusLayer,
  stepLayer,
  tanhLayer,
} from './stax';
/** Deprecated layer spellings (see the changeset); the bare `erf` layer is gone (it shadowed compute's `erf`). */
export { abs, cos, gelu, identity, relu, sin, softplus, step, tanh } from './stax';
/** Deprecated: clashes with compute's `ACTIVATION_NAMES`; use `DUAL_ACTIVATION_NAMES`. */
export { ACTIVATION_NAMES } from './dual-registry';

// ── Fully connected networks ────────────────────────────────────────────────────────────────────────────────
export type { FcBaseOptions, FcKernelOptions, FcOptions, WeightVariance } from './fc';
export { fcKernel, fcNetwork } from './fc';

// ── Finite-width (Monte Carlo) kernels ──────────────────────────────────────────────────────────────────────
export type { EmpiricalKernelOptions, EmpiricalKernels, EmpiricalKernelsOf, KernelEstimate } from './empirical';
export { conditionalNngp, empiricalKernels, empiricalNtk } from './empirical';

// ── Spectra (sphere / Gaussian data / kernel matrices) ──────────────────────────────────────────────────────
export type { DegreeSpectrum, GaussianSpectrumOptions, MatrixSpectrumOptions, SphereSpectrumOptions } from './spectra';
export { gaussianDataSpectrum, kernelMatrixSpectrum, sphereSpectrum } from './spectra';
