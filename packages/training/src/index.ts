export type { Activation, AttentionOptions, Model, ParamBlock, PriorOptions, ThreeLayerOptions, TwoLayerOptions } from './models';
export { ACTIVATIONS, activate, attentionHead, drawPrior, priorStd, threeLayerNet, twoLayerNet } from './models';
export type { LinearExactOptions, LinearExactPosterior } from './exact';
export { linearTwoLayerExactPosterior } from './exact';
export { histogramStationarity, integratedAutocorrTime, splitRhat } from './diagnostics';
export type { Diagnostics, LangevinMethod, LangevinOptions, LangevinResult, LossConvention, OverlapHistogram, SamplerState } from './langevin';
export { LANGEVIN_METHODS, LangevinSampler, sampleLangevin, stateFromJSON, stateToJSON } from './langevin';
