/** Activations by name: the registry behind {@link getActivation} and the CLI's `--activation`. */
import { InvalidArgumentError } from '@sftdl/compute';
import type { DualActivation } from './dual';
import {
  absDual,
  cosDual,
  cubeDual,
  erfDual,
  linearDual,
  relu2Dual,
  reluDual,
  sinDual,
  squareDual,
  stepDual,
} from './dual-closed-form';
import { geluDual, sigmoidDual, softplusDual, swishDual, tanhDual } from './dual-mehler';
import { hermiteActivation } from './dual-polynomial';

const REGISTRY: Record<string, DualActivation> = {
  linear: linearDual,
  identity: linearDual,
  erf: erfDual,
  relu: reluDual,
  step: stepDual,
  relu2: relu2Dual,
  abs: absDual,
  square: squareDual,
  z2: squareDual,
  cube: cubeDual,
  z3: cubeDual,
  sin: sinDual,
  cos: cosDual,
  tanh: tanhDual,
  softplus: softplusDual,
  gelu: geluDual,
  swish: swishDual,
  silu: swishDual,
  sigmoid: sigmoidDual,
};

/** Names accepted by {@link getActivation} (plus `he<n>` for Hermite polynomials, e.g. `he3`). */
export const DUAL_ACTIVATION_NAMES: readonly string[] = [...Object.keys(REGISTRY), 'he<n>'];

/**
 * @deprecated Use {@link DUAL_ACTIVATION_NAMES}: `@sftdl/compute` exports a different `ACTIVATION_NAMES` (the
 * activations a backend computes elementwise), and the two clash when imported together.
 */
export const ACTIVATION_NAMES: readonly string[] = DUAL_ACTIVATION_NAMES;

/**
 * Looks up an activation by name (`relu`, `erf`, `tanh`, `he3`, …) or passes a {@link DualActivation} through.
 *
 * @throws InvalidArgumentError listing the known names.
 * @example
 * ```ts
 * getActivation('relu').dual(1, 1, 1).f; // 0.5
 * ```
 */
export function getActivation(spec: string | DualActivation): DualActivation {
  if (typeof spec !== 'string') {
    if (spec && typeof spec.prepare === 'function' && typeof spec.dual === 'function') return spec;
    throw new InvalidArgumentError('activation must be a name or a DualActivation');
  }
  const key = spec.trim().toLowerCase();
  const hit = Object.hasOwn(REGISTRY, key) ? REGISTRY[key] : undefined; // not inherited names such as 'constructor'
  if (hit) return hit;
  const m = /^(?:he|hermite)(\d+)$/.exec(key);
  if (m) return hermiteActivation(Number(m[1]));
  throw new InvalidArgumentError(`unknown activation '${spec}'; known: ${DUAL_ACTIVATION_NAMES.join(', ')}`);
}
