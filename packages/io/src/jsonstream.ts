import { DataFormatError } from './errors';
import type { ByteSource } from './files';

const CHUNK_BYTES = 1 << 16;

/** A growable Float64Array. */
class F64Builder {
  data = new Float64Array(16);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }
  pushAll(v: Float64Array): void {
    if (this.length + v.length > this.data.length) this.grow(this.length + v.length);
    this.data.set(v, this.length);
    this.length += v.length;
  }
  private grow(min: number): void {
    const next = new Float64Array(Math.max(min, 2 * this.data.length));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  finish(): Float64Array {
    return this.data.length === this.length ? this.data : this.data.slice(0, this.length);
  }
}

/** A JSON array of numbers, parsed straight into a Float64Array. */
export class NumericVector {
  constructor(readonly data: Float64Array) {}
}

/** A JSON array of equally long arrays of numbers (rows), parsed straight into one row-major Float64Array. */
export class NumericMatrix {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly data: Float64Array,
  ) {}
}

/** Converts the numeric arrays of a {@link readJson} value back to plain arrays (for metadata). */
export function toPlain(v: unknown): unknown {
  if (v instanceof NumericVector) return Array.from(v.data);
  if (v instanceof NumericMatrix)
    return Array.from({ length: v.rows }, (_, i) => Array.from(v.data.subarray(i * v.cols, (i + 1) * v.cols)));
  if (Array.isArray(v)) return v.map(toPlain);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  return v;
}

const NUMBER_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A streaming JSON parser over a {@link ByteSource}: the file is read in 64 KiB chunks and never held as one string.
 * Arrays of numbers become {@link NumericVector}s and arrays of equally long number arrays {@link NumericMatrix}es, so
 * a data file of n × d numbers costs 8·n·d bytes, not a JavaScript array per row. Other values are plain JSON values.
 */
class JsonStreamParser {
  private buf = new Uint8Array(0);
  private pos = 0;
  private bufStart = 0;
  private filePos = 0;
  private line = 1;
  private lineStart = 0;
  private readonly latin1 = new TextDecoder('latin1');
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly src: ByteSource) {}

  private fail(what: string): never {
    const column = this.bufStart + this.pos - this.lineStart + 1;
    throw new DataFormatError(`not valid JSON: ${what}`, { file: this.src.label, line: this.line, column });
  }

  private fill(): boolean {
    if (this.filePos >= this.src.size) return false;
    const chunk = new Uint8Array(Math.min(CHUNK_BYTES, this.src.size - this.filePos));
    const n = this.src.read(this.filePos, chunk);
    if (n === 0) return false;
    this.bufStart = this.filePos;
    this.filePos += n;
    this.buf = chunk.subarray(0, n);
    this.pos = 0;
    return true;
  }

  private peek(): number {
    if (this.pos >= this.buf.length && !this.fill()) return -1;
    return this.buf[this.pos] ?? -1;
  }

  private ws(): number {
    for (;;) {
      const c = this.peek();
      if (c === 0x20 || c === 0x09 || c === 0x0d) this.pos++;
      else if (c === 0x0a) {
        this.pos++;
        this.line++;
        this.lineStart = this.bufStart + this.pos;
      } else return c;
    }
  }

  private expect(c: number, what: string): void {
    if (this.ws() !== c) this.fail(`expected ${what}, found ${this.describe()}`);
    this.pos++;
  }

  private describe(): string {
    const c = this.peek();
    return c < 0 ? 'the end of the file' : `'${String.fromCharCode(c)}'`;
  }

  /** Reads bytes while `accept` holds, across chunk boundaries. */
  private take(accept: (c: number) => boolean): Uint8Array[] {
    const parts: Uint8Array[] = [];
    for (;;) {
      const start = this.pos;
      while (this.pos < this.buf.length && accept(this.buf[this.pos] ?? -1)) this.pos++;
      parts.push(this.buf.subarray(start, this.pos));
      if (this.pos < this.buf.length || !this.fill()) return parts;
    }
  }

  private number(): number {
    // the hot path of a data file: a tight scan over the chunk, continued into the next chunk when the token is split
    let text = '';
    for (;;) {
      const buf = this.buf;
      const start = this.pos;
      let p = start;
      while (p < buf.length) {
        const c = buf[p] ?? 0;
        if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45) p++;
        else break;
      }
      text += String.fromCharCode.apply(null, buf.subarray(start, p) as unknown as number[]);
      this.pos = p;
      if (p < buf.length || !this.fill()) break;
    }
    if (!NUMBER_RE.test(text)) this.fail(`'${text}' is not a JSON number`);
    return Number(text);
  }

  private string(): string {
    this.pos++; // opening quote
    const parts: Uint8Array[] = [];
    let escaped = false;
    for (;;) {
      const start = this.pos;
      while (this.pos < this.buf.length) {
        const c = this.buf[this.pos] ?? -1;
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) break;
        else if (c < 0x20) this.fail('a control character inside a string');
        this.pos++;
      }
      parts.push(this.buf.subarray(start, this.pos));
      if (this.pos < this.buf.length) {
        this.pos++;
        break;
      }
      if (!this.fill()) this.fail('an unterminated string');
    }
    let raw: string;
    try {
      raw = this.utf8.decode(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    } catch {
      return this.fail('a string that is not valid UTF-8');
    }
    if (!raw.includes('\\')) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return this.fail('a bad escape sequence in a string');
    }
  }

  private literal(word: string, value: unknown): unknown {
    const parts = this.take((c) => c >= 0x61 && c <= 0x7a);
    const text = parts.map((p) => this.latin1.decode(p)).join('');
    if (text !== word) this.fail(`unexpected '${text}'`);
    return value;
  }

  value(): unknown {
    const c = this.ws();
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (c === 0x74) return this.literal('true', true);
    if (c === 0x66) return this.literal('false', false);
    if (c === 0x6e) return this.literal('null', null);
    return this.fail(`unexpected ${this.describe()}`);
  }

  private object(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    if (this.ws() === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.ws() !== 0x22) this.fail(`expected a key in quotes, found ${this.describe()}`);
      const key = this.string();
      this.expect(0x3a, "':'");
      out[key] = this.value();
      const c = this.ws();
      if (c === 0x2c) {
        this.pos++;
        continue;
      }
      if (c === 0x7d) {
        this.pos++;
        return out;
      }
      this.fail(`expected ',' or '}', found ${this.describe()}`);
    }
  }

  /** After an element: true when another follows (consumes ','), false at ']' (consumes it). */
  private more(): boolean {
    const c = this.ws();
    if (c === 0x2c) {
      this.pos++;
      return true;
    }
    if (c === 0x5d) {
      this.pos++;
      return false;
    }
    return this.fail(`expected ',' or ']', found ${this.describe()}`);
  }

  private array(): unknown {
    this.pos++;
    if (this.ws() === 0x5d) {
      this.pos++;
      return [];
    }
    const first = this.value();
    if (typeof first === 'number') {
      const b = new F64Builder();
      b.push(first);
      while (this.more()) {
        const c = this.ws();
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) b.push(this.number());
        else return this.generic([...b.finish(), toPlain(this.value())]);
      }
      return new NumericVector(b.finish());
    }
    if (first instanceof NumericVector) {
      const cols = first.data.length;
      const b = new F64Builder();
      b.pushAll(first.data);
      let rows = 1;
      while (this.more()) {
        const row = this.value();
        if (row instanceof NumericVector && row.data.length === cols) {
          b.pushAll(row.data);
          rows++;
          continue;
        }
        const done = toPlain(new NumericMatrix(rows, cols, b.finish())) as unknown[];
        return this.generic([...done, toPlain(row)]);
      }
      return new NumericMatrix(rows, cols, b.finish());
    }
    return this.generic([toPlain(first)]);
  }

  /** Continues an array of mixed elements (the last one already parsed). */
  private generic(items: unknown[]): unknown[] {
    while (this.more()) items.push(toPlain(this.value()));
    return items;
  }

  document(): unknown {
    const v = this.value();
    if (this.ws() !== -1) this.fail(`unexpected ${this.describe()} after the value`);
    return v;
  }
}

/**
 * Parses one JSON document from a {@link ByteSource}, streaming (see {@link JsonStreamParser}). Number arrays come back
 * as {@link NumericVector} / {@link NumericMatrix}; syntax errors are {@link DataFormatError}s with line and column.
 */
export function readJson(src: ByteSource): unknown {
  return new JsonStreamParser(src).document();
}
