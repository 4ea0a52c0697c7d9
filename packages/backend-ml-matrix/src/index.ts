export { mlMatrixBackend, provider } from './backend';
