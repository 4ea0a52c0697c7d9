/**
 * @sftdl/training — finite-width networks and the Langevin sampler of their Bayesian posterior (the network side
 * of every theory in sftdl), with exact posteriors for linear networks and convergence diagnostics.
 * @packageDocumentation
 */

// ── Networks: two-layer, three-layer, attention head; their priors ────────────────────────────────────────────────
export type { Activation, AttentionOptions, Model, ParamBlock, PriorOptions, ThreeLayerOptions, TwoLayerOptions } from './models';
export { ACTIVATIONS, activate, attentionHead, drawPrior, priorStd, threeLayerNet, twoLayerNet } from './models';

// ── Exact posteriors (linear networks) ────────────────────────────────────────────────────────────────────────────
export type { LinearExactOptions, LinearExactPosterior } from './exact';
export { linearTwoLayerExactPosterior } from './exact';

// ── The Langevin sampler: options, state, checkpoints, results ────────────────────────────────────────────────────
export type {
  Diagnostics,
  LangevinMethod,
  LangevinOptions,
  LangevinResult,
  LossConvention,
  OverlapHistogram,
  SamplerState,
} from './langevin';
export { LANGEVIN_METHODS, LangevinSampler, sampleLangevin, stateFromJSON, stateToJSON } from './langevin';

// ── Convergence diagnostics: split-R̂, τ_int, stationarity ────────────────────────────────────────────────────────
export { histogramStationarity, integratedAutocorrTime, splitRhat } from './diagnostics';
