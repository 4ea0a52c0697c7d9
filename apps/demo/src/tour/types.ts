import type { ComputeBackend } from '@sftdl/compute';
import type { ReportSection } from '../report';

/** What each part of the tour returns: its report section, stdout summary lines and a JSON record. */
export interface PartResult {
  name: string;
  section: ReportSection;
  summary: string[];
  json: Record<string, unknown>;
  seconds: number;
}

/** Settings shared by all parts. */
export interface PartContext {
  backend: ComputeBackend;
  seed: number;
  /** Tiny sizes for tests/smoke runs (a few seconds). */
  quick: boolean;
  /** Paper-sized run (hours). */
  full: boolean;
  quiet: boolean;
  log: (m: string) => void;
  /** Checkpoint folder and whether to resume from it (long runs). */
  checkpointDir: string;
  resume: boolean;
}

export const fmt = (v: number | null | undefined, digits = 4): string =>
  v === null || v === undefined
    ? '—'
    : Number.isFinite(v)
      ? Math.abs(v) !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)
        ? v.toExponential(digits - 1)
        : v.toPrecision(digits)
      : String(v);

export const linspace = (a: number, b: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => a + ((b - a) * i) / Math.max(1, n - 1));
