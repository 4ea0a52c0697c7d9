export type { Dataset, DatasetMeta, Teacher } from './types';
export type { InputKind, InputOptions } from './inputs';
export { INPUT_KINDS, randomDirection, randomOrthonormal, sampleInputs } from './inputs';
export {
  attentionTeacher, cubicTeacher, gpSampleTargets, hermiteTeacher, isingTeacher, linearTeacher, multiIndexTeacher, twoLayerTeacher,
} from './teachers';
export type { ModularOptions } from './modular';
export { isPrime, modularAddition } from './modular';
export type { MakeDatasetOptions } from './dataset';
export { datasetChunks, datasetToJSON, makeDataset } from './dataset';
