import { InvalidArgumentError, type Mat } from '@sftdl/compute';
import { DataFormatError } from './errors';
import { type ByteSource, bytesSource, concatChunks, withFileSource, writeChunksAtomic } from './files';

/** Options of the CSV readers. */
export interface ReadCsvOptions {
  /**
   * Field separator: one character, or `'whitespace'` for runs of spaces/tabs (numpy.savetxt's default). Default
   * `','` (`'\t'` for `.tsv` files read through {@link readMatrix}).
   */
  delimiter?: string;
  /**
   * Whether the first non-comment row is a header of column names: `'auto'` (default) treats it as a header when any
   * of its cells is text (not empty and not a number); `true` always; `false` never (a non-number there is an error).
   */
  header?: boolean | 'auto';
  /** Lines whose first non-blank character is this prefix are skipped (default `'#'`, as numpy.savetxt writes); `null` keeps them. */
  comments?: string | null;
  /** Accept `nan`, `inf`, `-inf` cells (default false: they throw {@link DataFormatError} naming line and column). */
  allowNonFinite?: boolean;
}

/** A parsed CSV table: the numbers and, when the file has one, the header's column names. */
export interface CsvTable {
  matrix: Mat;
  /** Column names from the header row; `undefined` when the file has none. */
  header: string[] | undefined;
}

/** Options of the CSV writers. */
export interface WriteCsvOptions {
  /** Field separator (default `','`). */
  delimiter?: string;
  /** Column names written as the first row (must have `cols` entries). */
  header?: readonly string[];
  /** Write NaN/±Inf as `nan`/`inf`/`-inf` (default false: they throw {@link @sftdl/compute!InvalidArgumentError}). */
  allowNonFinite?: boolean;
}

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE_RE = /^[+-]?(?:nan|inf|infinity)$/i;
const CHUNK_BYTES = 1 << 16;

/** Splits one line into raw fields; quoted fields ("…", with "" for a quote) are unquoted. */
function splitLine(line: string, delimiter: string, lineNo: number, file: string): string[] {
  if (delimiter === 'whitespace') return line.trim().split(/[ \t]+/);
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    while (i < line.length && (line[i] === ' ' || line[i] === '\t') && line[i] !== delimiter) i++;
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0)
          throw new DataFormatError(`unterminated quoted field in column ${out.length + 1} (a field cannot span lines)`, {
            file,
            line: lineNo,
            column: out.length + 1,
          });
        field += line.slice(i, q);
        if (line[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      while (i < line.length && line[i] !== delimiter) {
        if (line[i] !== ' ' && line[i] !== '\t')
          throw new DataFormatError(`text after a closing quote in column ${out.length + 1}`, {
            file,
            line: lineNo,
            column: out.length + 1,
          });
        i++;
      }
    } else {
      const d = line.indexOf(delimiter, i);
      field = line.slice(i, d < 0 ? line.length : d);
      i = d < 0 ? line.length : d;
    }
    out.push(field);
    if (i >= line.length) return out;
    i += delimiter.length;
  }
}

/** Incremental CSV parser: lines go in one at a time, numbers into a growing Float64Array. */
class CsvParser {
  private data = new Float64Array(1024);
  private count = 0;
  private cols = -1;
  private firstDataLine = 0;
  private lineNo = 0;
  private sawFirstRow = false;
  header: string[] | undefined;

  constructor(
    private readonly file: string,
    private readonly options: ReadCsvOptions,
    private readonly delimiter: string,
  ) {
    if (delimiter !== 'whitespace' && (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r')) {
      throw new InvalidArgumentError(
        `delimiter must be one character other than a quote or newline, or 'whitespace'; got ${JSON.stringify(delimiter)}`,
      );
    }
  }

  line(raw: string): void {
    this.lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = line.trim();
    if (trimmed === '') return;
    const comments = this.options.comments === undefined ? '#' : this.options.comments;
    if (comments !== null && comments !== '' && trimmed.startsWith(comments)) return;
    const fields = splitLine(line, this.delimiter, this.lineNo, this.file);
    if (!this.sawFirstRow) {
      this.sawFirstRow = true;
      const mode = this.options.header ?? 'auto';
      const cells = fields.map((f) => f.trim());
      const isHeader =
        mode === true || (mode === 'auto' && cells.some((c) => c !== '' && !NUMBER_RE.test(c) && !NON_FINITE_RE.test(c)));
      if (isHeader) {
        this.header = cells;
        this.cols = cells.length;
        return;
      }
    }
    if (this.cols < 0) this.cols = fields.length;
    if (this.firstDataLine === 0) this.firstDataLine = this.lineNo;
    if (fields.length !== this.cols) {
      const from = this.header ? 'the header' : `line ${this.firstDataLine}`;
      throw new DataFormatError(
        `has ${fields.length} fields, expected ${this.cols} (as on ${from}); every row needs the same number of columns`,
        { file: this.file, line: this.lineNo },
      );
    }
    if (this.count + fields.length > this.data.length) {
      const grown = new Float64Array(Math.max(2 * this.data.length, this.count + fields.length));
      grown.set(this.data.subarray(0, this.count));
      this.data = grown;
    }
    for (let j = 0; j < fields.length; j++) {
      const cell = (fields[j] ?? '').trim();
      let v: number;
      if (NUMBER_RE.test(cell)) v = Number(cell);
      else if (NON_FINITE_RE.test(cell)) {
        if (!this.options.allowNonFinite)
          throw new DataFormatError(`'${cell}' is not finite; remove or impute it (or pass { allowNonFinite: true })`, {
            file: this.file,
            line: this.lineNo,
            column: j + 1,
          });
        v = /nan/i.test(cell) ? Number.NaN : cell.startsWith('-') ? -Infinity : Infinity;
      } else {
        const what = cell === '' ? 'an empty cell' : `'${cell.length > 40 ? `${cell.slice(0, 40)}…` : cell}' is not a number`;
        throw new DataFormatError(`${what}; every cell must be a decimal number such as 1.5, -2e-3`, {
          file: this.file,
          line: this.lineNo,
          column: j + 1,
        });
      }
      this.data[this.count++] = v;
    }
  }

  finish(): CsvTable {
    if (this.cols < 0) throw new DataFormatError('no data rows (the file is empty or has only comments)', { file: this.file });
    const rows = this.firstDataLine === 0 ? 0 : this.count / this.cols;
    return { matrix: { rows, cols: this.cols, data: this.data.slice(0, this.count) }, header: this.header };
  }
}

function parseSource(src: ByteSource, options: ReadCsvOptions): CsvTable {
  const parser = new CsvParser(src.label, options, options.delimiter ?? ',');
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const buf = new Uint8Array(CHUNK_BYTES);
  let rest = '';
  for (let pos = 0; pos < src.size;) {
    const n = src.read(pos, buf);
    if (n === 0) break;
    pos += n;
    let text: string;
    try {
      text = decoder.decode(buf.subarray(0, n), { stream: pos < src.size });
    } catch (e) {
      throw new DataFormatError('is not valid UTF-8 text; save the CSV as UTF-8', { file: src.label }, { cause: e });
    }
    text = rest + text;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      parser.line(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') parser.line(rest);
  return parser.finish();
}

/**
 * Parses CSV text (or its UTF-8 bytes) into a matrix and the optional header.
 *
 * Rows are matrix rows; blank lines and `#` comment lines are skipped; fields may be quoted. Every problem throws
 * {@link DataFormatError} naming the line and column.
 */
export function parseCsv(text: string | Uint8Array, options: ReadCsvOptions = {}): CsvTable {
  return parseSource(bytesSource(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, '<csv>'), options);
}

/** Reads a CSV file into a matrix and its header row, streaming it in 64 KiB chunks (see {@link parseCsv}). */
export function readCsvTable(path: string, options: ReadCsvOptions = {}): CsvTable {
  return withFileSource(path, (src) => parseSource(src, options));
}

/**
 * Reads a numeric CSV file into a {@link @sftdl/compute!Mat} (float64), streaming it in 64 KiB chunks: the file is
 * never held as one string. A header row is detected (or set with `header`) and dropped; use {@link readCsvTable} to
 * keep the names.
 *
 * @example
 * ```ts
 * const { matrix } = parseCsv('a,b\n1,2\n3,4\n');
 * matrix.rows; // 2
 * ```
 */
export function readCsv(path: string, options: ReadCsvOptions = {}): Mat {
  return readCsvTable(path, options).matrix;
}

function quoteName(name: string, delimiter: string): string {
  return name.includes(delimiter) || name.includes('"') || /[\r\n]/.test(name) || name !== name.trim()
    ? `"${name.replace(/"/g, '""')}"`
    : name;
}

function formatNumber(v: number, allowNonFinite: boolean, row: number, col: number): string {
  if (Number.isFinite(v)) return String(v);
  if (!allowNonFinite)
    throw new InvalidArgumentError(`element [${row}, ${col}] is ${v}; fix the data or pass { allowNonFinite: true }`);
  return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
}

/** The chunks of a CSV file: header line, then rows joined ~64 KiB at a time. Numbers use the shortest exact form. */
function* csvChunks(m: Mat, options: WriteCsvOptions): Generator<string> {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new InvalidArgumentError(
      `delimiter must be one character other than a quote or newline; got ${JSON.stringify(delimiter)}`,
    );
  }
  if (m.data.length !== m.rows * m.cols)
    throw new InvalidArgumentError(`matrix data has ${m.data.length} elements, but rows × cols = ${m.rows * m.cols}`);
  if (options.header) {
    if (options.header.length !== m.cols)
      throw new InvalidArgumentError(`header has ${options.header.length} names, but the matrix has ${m.cols} columns`);
    yield `${options.header.map((h) => quoteName(h, delimiter)).join(delimiter)}\n`;
  }
  const allow = options.allowNonFinite ?? false;
  let buf: string[] = [];
  let size = 0;
  for (let i = 0; i < m.rows; i++) {
    const cells: string[] = new Array(m.cols);
    for (let j = 0; j < m.cols; j++) cells[j] = formatNumber(m.data[i * m.cols + j] ?? 0, allow, i, j);
    const line = `${cells.join(delimiter)}\n`;
    buf.push(line);
    size += line.length;
    if (size >= CHUNK_BYTES) {
      yield buf.join('');
      buf = [];
      size = 0;
    }
  }
  if (buf.length > 0) yield buf.join('');
}

/** Formats a matrix as CSV text (see {@link writeCsv}). */
export function formatCsv(m: Mat, options: WriteCsvOptions = {}): string {
  return new TextDecoder().decode(concatChunks(csvChunks(m, options)));
}

/**
 * Writes a matrix as CSV: one line per row, numbers in JavaScript's shortest form that reads back exactly (numpy's
 * `loadtxt(path, delimiter=',')` reads it; pass `skiprows=1` with a header). Written in chunks through a temporary
 * file renamed into place.
 */
export function writeCsv(path: string, m: Mat, options: WriteCsvOptions = {}): void {
  writeChunksAtomic(path, csvChunks(m, options));
}
