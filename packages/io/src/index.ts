export { DataFormatError, UnsupportedArrayError } from './errors';
export type { FileLocation, UnsupportedArrayReason } from './errors';
export { decodeNpy, encodeNpy, encodeNpyHeader, readNpy, readNpyHeader, writeNpy } from './npy';
export type { NpyDtype, NpyHeader, ReadNpyOptions, WriteNpyOptions } from './npy';
export { formatCsv, parseCsv, readCsv, readCsvTable, writeCsv } from './csv';
export type { CsvTable, ReadCsvOptions, WriteCsvOptions } from './csv';
export {
  datasetFromJSON, formatDatasetJson, formatJsonMatrix, parseDatasetJson, parseJsonMatrix, readDatasetJson, readJsonMatrix, writeDatasetJson, writeJsonMatrix,
} from './json';
export type { Dataset } from './json';
export { FILE_FORMATS, formatOf, readDataset, readMatrix, writeDataset, writeMatrix } from './format';
export type { FileFormat, ReadDatasetOptions, ReadMatrixOptions, WriteMatrixOptions } from './format';
