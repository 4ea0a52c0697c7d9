/**
 * The demo's registered experiments (`pnpm demo sweep list-experiments`). Worker threads of the local executor
 * import this module by its URL ({@link registryModule}) and find the same registry.
 */
import { ExperimentRegistry } from '@sftdl/sweep';
import { cubicPointExperiment } from './cubic';
import { modularPointExperiment } from './modular';
import { msaWidthExperiment } from './msa';
import { scalingOnsetExperiment } from './scaling';
import { trainExperiment } from './train';

export const registry = new ExperimentRegistry()
  .register(trainExperiment)
  .register(cubicPointExperiment)
  .register(modularPointExperiment)
  .register(msaWidthExperiment)
  .register(scalingOnsetExperiment);

/** This module's URL, for the worker threads. */
export const registryModule = import.meta.url;
