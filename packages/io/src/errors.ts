import { SftdlError } from '@sftdl/compute';

/** Where in a file a problem was found (1-based line and column for text formats, a byte offset for binary ones). */
export interface FileLocation {
  /** The file, or a label such as `'<bytes>'` for in-memory data. */
  file?: string;
  /** 1-based line number (text formats). */
  line?: number;
  /** 1-based column number: the field index in CSV rows. */
  column?: number;
}

/**
 * A data file is malformed: a bad `.npy` header, a truncated array, a CSV cell that is not a number, ragged rows, a JSON
 * data file without `"x"`… The message names the file and, for text formats, the line and column, and says how to fix it.
 */
export class DataFormatError extends SftdlError {
  override readonly name = 'DataFormatError';
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(message: string, where: FileLocation = {}, options?: { cause?: unknown }) {
    const at = [
      where.file,
      where.line !== undefined ? `line ${where.line}` : undefined,
      where.column !== undefined ? `column ${where.column}` : undefined,
    ]
      .filter((s) => s !== undefined)
      .join(', ');
    super(at ? `${at}: ${message}` : message, options);
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }
  static override isInstance(error: unknown): error is DataFormatError {
    return SftdlError.isInstance(error) && error.name === 'DataFormatError';
  }
}

/** Why a well-formed `.npy` array cannot be read as a {@link @sftdl/compute!Mat}. */
export type UnsupportedArrayReason = 'big-endian' | 'fortran-order' | 'object' | 'structured' | 'dtype' | 'ndim';

/**
 * A valid `.npy` file holds an array this package does not read (big-endian, Fortran order, object or structured dtype,
 * a dtype other than float64/float32, more than two dimensions). The message gives the numpy call that converts it.
 */
export class UnsupportedArrayError extends SftdlError {
  override readonly name = 'UnsupportedArrayError';
  readonly file: string | undefined;
  readonly reason: UnsupportedArrayReason;
  constructor(args: { reason: UnsupportedArrayReason; message: string; file?: string }) {
    super(args.file ? `${args.file}: ${args.message}` : args.message);
    this.file = args.file;
    this.reason = args.reason;
  }
  static override isInstance(error: unknown): error is UnsupportedArrayError {
    return SftdlError.isInstance(error) && error.name === 'UnsupportedArrayError';
  }
}
