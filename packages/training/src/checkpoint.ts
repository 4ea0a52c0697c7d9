import { InvalidArgumentError, LANGEVIN_NOISE_STREAM } from '@sftdl/compute';

/**
 * The serialisable sampler state written into checkpoints (plain JSON; doubles round-trip exactly). It does not
 * depend on how chains were batched or spread over workers. {@link stateToJSON} appends a checksum of the text;
 * {@link stateFromJSON} refuses edited, truncated or malformed files.
 */
export interface SamplerState {
  version: 2;
  /**
   * Version of the Langevin noise stream the chains were drawn with (compute's LANGEVIN_NOISE_STREAM); a checkpoint
   * from another stream is refused, since continuing it would not reproduce the run. Absent in files written before
   * stream 2 (they used stream 1).
   */
  noiseStream: number;
  /** Hash of everything that determines the run (model, data, flags, key, backend, precision). */
  fingerprint: string;
  /** Backend name and precision of the run that wrote the state (also part of the fingerprint). */
  backend: string;
  precision: string;
  step: number;
  stepSize: number;
  params: number[][];
  acc: Record<string, number[]>;
  traces: number[][][];
  traceStride: number;
  traceCount: number;
  samples: number;
  accepted: number[];
  proposed: number[];
  adaptAccepted: number;
  adaptProposed: number;
  /** Predicted variance bias of the current step size (see {@link LangevinResult.predictedBias}). */
  predictedBias: number;
  /** The dense preconditioner's A = (G + I)⁻¹ (row-major P×P) once set during burn-in, else null. */
  preconditioner: number[] | null;
}

/** Two independent 32-bit FNV-1a hashes of a string's UTF-16 code units, as 16 hex digits. */
function textChecksum(text: string): string {
  let a = 2166136261,
    b = 0x811c9dc5 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 ^ 0x2f) >>> 0;
    b = (b ^ (b >>> 15)) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/**
 * Serialises a sampler state to JSON text (exact doubles), with a `checksum` of the text as the last key so that
 * {@link stateFromJSON} detects edits and truncation.
 */
export function stateToJSON(state: SamplerState): string {
  const { checksum: _drop, ...rest } = state as SamplerState & { checksum?: string };
  const body = JSON.stringify(rest);
  return `${body.slice(0, -1)},"checksum":"${textChecksum(body)}"}`;
}

const STATE_FIELDS: Array<[keyof SamplerState, string]> = [
  ['fingerprint', 'string'],
  ['backend', 'string'],
  ['precision', 'string'],
  ['step', 'number'],
  ['params', 'array'],
  ['acc', 'object'],
  ['traces', 'array'],
  ['traceStride', 'number'],
  ['traceCount', 'number'],
  ['samples', 'number'],
  ['accepted', 'array'],
  ['proposed', 'array'],
  ['adaptAccepted', 'number'],
  ['adaptProposed', 'number'],
];

/**
 * Parses and verifies a checkpoint written by {@link stateToJSON}. Throws `InvalidArgumentError` (one line saying
 * what is wrong) for text that is not JSON (malformed or truncated), a file without or with a wrong checksum
 * (edited), an unknown version, another Langevin noise stream or missing fields.
 */
export function stateFromJSON(text: string): SamplerState {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(
      `checkpoint is not valid JSON (malformed or truncated: ${(e as Error).message}); delete it and rerun`,
    );
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new InvalidArgumentError('checkpoint is not a Langevin checkpoint (expected a JSON object); delete it and rerun');
  const o = v as Record<string, unknown>;
  if (o.version !== 2)
    throw new InvalidArgumentError(
      `checkpoint has version ${JSON.stringify(o.version ?? null)}, expected 2 (written by another sftdl version?); delete it and rerun`,
    );
  const { checksum, ...rest } = o;
  if (typeof checksum !== 'string')
    throw new InvalidArgumentError('checkpoint has no checksum (edited or truncated); delete it and rerun');
  if (textChecksum(JSON.stringify(rest)) !== checksum)
    throw new InvalidArgumentError('checkpoint checksum mismatch: the file was edited or corrupted; delete it and rerun');
  const stream = rest.noiseStream ?? 1;
  if (stream !== LANGEVIN_NOISE_STREAM)
    throw new InvalidArgumentError(
      `checkpoint was drawn with Langevin noise stream ${JSON.stringify(stream)}, this sftdl draws stream ${LANGEVIN_NOISE_STREAM} (continuing it would not reproduce the run); delete it and rerun`,
    );
  for (const [k, type] of STATE_FIELDS) {
    const val = rest[k];
    const ok =
      type === 'array'
        ? Array.isArray(val)
        : type === 'object'
          ? typeof val === 'object' && val !== null && !Array.isArray(val)
          : typeof val === type;
    if (!ok) throw new InvalidArgumentError(`checkpoint field "${k}" is missing or not a ${type}; delete it and rerun`);
  }
  return rest as unknown as SamplerState;
}
