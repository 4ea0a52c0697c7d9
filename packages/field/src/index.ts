export type { Key } from './keys';
export { fold, key, keyFromJSON, keyToJSON, normal, normalMat, philox4x32, split, uniform } from './keys';
