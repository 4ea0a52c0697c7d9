/**
 * @sftdl/io — matrices and data sets in the formats people have: numpy `.npy`, CSV and sftdl's JSON.
 * @packageDocumentation
 */

// ── One entry point: format chosen by the file extension ──────────────────────────────────────────────────────────
export { FILE_FORMATS, formatOf, readDataset, readMatrix, writeDataset, writeMatrix } from './format';
export type { FileFormat, ReadDatasetOptions, ReadMatrixOptions, WriteMatrixOptions } from './format';

// ── numpy .npy (float64/float32, C order) ─────────────────────────────────────────────────────────────────────────
export { decodeNpy, encodeNpy, encodeNpyHeader, readNpy, readNpyHeader, writeNpy } from './npy';
export type { NpyDtype, NpyHeader, ReadNpyOptions, WriteNpyOptions } from './npy';

// ── CSV ───────────────────────────────────────────────────────────────────────────────────────────────────────────
export { formatCsv, parseCsv, readCsv, readCsvTable, writeCsv } from './csv';
export type { CsvTable, ReadCsvOptions, WriteCsvOptions } from './csv';

// ── JSON matrices and data sets ───────────────────────────────────────────────────────────────────────────────────
export {
  datasetFromJSON,
  formatDatasetJson,
  formatJsonMatrix,
  parseDatasetJson,
  parseJsonMatrix,
  readDatasetJson,
  readJsonMatrix,
  writeDatasetJson,
  writeJsonMatrix,
} from './json';
export type { Dataset } from './json';

// ── Errors ────────────────────────────────────────────────────────────────────────────────────────────────────────
export { DataFormatError, UnsupportedArrayError } from './errors';
export type { FileLocation, UnsupportedArrayReason } from './errors';
