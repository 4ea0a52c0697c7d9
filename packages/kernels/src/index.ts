export type { CustomActivationOptions, DualActivation, DualValue, LayerDual } from './dual';
export {
  ACTIVATION_NAMES, customActivation, getActivation, hermiteActivation, polynomialActivation,
} from './dual';
export type { ActivationOp, DenseOp, KernelComputeOptions, KernelKind, KernelOp, KernelResult, Parameterization } from './recursion';
export { kernelProgram } from './recursion';
export type { ApplyOptions, DenseOptions, DenseParams, Layer, Network, NetworkParams } from './stax';
export { abs, activation, cos, dense, erf, gelu, identity, relu, serial, sin, softplus, step, tanh } from './stax';
export type { FcKernelOptions, FcOptions } from './fc';
export { fcKernel, fcNetwork } from './fc';
export type { EmpiricalKernelOptions, EmpiricalKernels, KernelEstimate } from './empirical';
export { conditionalNngp, empiricalKernels, empiricalNtk } from './empirical';
export type { DegreeSpectrum, GaussianSpectrumOptions, MatrixSpectrumOptions, SphereSpectrumOptions } from './spectra';
export { gaussianDataSpectrum, kernelMatrixSpectrum, sphereSpectrum } from './spectra';
