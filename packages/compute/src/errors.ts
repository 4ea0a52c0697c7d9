const MARKER = Symbol.for('sftdl.error');

/**
 * Base class of every error thrown by sftdl packages.
 *
 * Use {@link SftdlError.isInstance} instead of `instanceof` when several copies of a package
 * may be installed: it checks a `Symbol.for('sftdl.error')` marker shared across copies.
 */
export class SftdlError extends Error {
  override readonly name: string = 'SftdlError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // The cross-install marker read by isInstance (an own, enumerable, symbol-keyed property, as a class field would be).
    Object.defineProperty(this, MARKER, { value: true, enumerable: true, writable: true, configurable: true });
  }
  /** True for any sftdl error, even from a duplicated install of the package. */
  static isInstance(error: unknown): error is SftdlError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** True for an sftdl error whose `name` is `name` (the subclass guards below; works across duplicated installs). */
function isNamed(error: unknown, name: string): boolean {
  return SftdlError.isInstance(error) && error.name === name;
}

/** Operand shapes do not fit the operation (e.g. inner dimensions of a product differ). */
export class ShapeError extends SftdlError {
  override readonly name = 'ShapeError';
  static override isInstance(error: unknown): error is ShapeError {
    return isNamed(error, 'ShapeError');
  }
}

/** An argument is out of its domain: NaN/Inf data, negative variance, unknown option value… */
export class InvalidArgumentError extends SftdlError {
  override readonly name = 'InvalidArgumentError';
  static override isInstance(error: unknown): error is InvalidArgumentError {
    return isNamed(error, 'InvalidArgumentError');
  }
}

/** A Cholesky factorisation met a non-positive pivot. The message suggests a jitter to add. */
export class NotPositiveDefiniteError extends SftdlError {
  override readonly name = 'NotPositiveDefiniteError';
  /** Zero-based index of the failing pivot. */
  readonly pivot: number;
  /** Backend that detected it. */
  readonly backend: string;
  /** A diagonal jitter that is likely to make the matrix factorisable. */
  readonly suggestedJitter: number;
  constructor(args: { pivot: number; backend: string; suggestedJitter: number; detail?: string }) {
    super(
      `matrix is not positive definite (pivot ${args.pivot} on backend '${args.backend}'${args.detail ? `, ${args.detail}` : ''}); ` +
        `add a diagonal jitter, e.g. { jitter: ${args.suggestedJitter.toExponential(1)} }, or check the kernel/covariance for NaN or negative variances`,
    );
    this.pivot = args.pivot;
    this.backend = args.backend;
    this.suggestedJitter = args.suggestedJitter;
  }
  static override isInstance(error: unknown): error is NotPositiveDefiniteError {
    return isNamed(error, 'NotPositiveDefiniteError');
  }
}

/**
 * An iterative solver did not reach its tolerance (or a search found nothing).
 *
 * The message reads `<what> did not converge after <iterations> iterations (residual r > tolerance t); <hint>`.
 * When the failed criterion is not a residual (an effective sample size below its minimum, a scan that found no
 * root), pass `detail` to say so instead of the residual/tolerance phrase.
 */
export class ConvergenceError extends SftdlError {
  override readonly name = 'ConvergenceError';
  readonly iterations: number;
  readonly residual: number;
  readonly tolerance: number;
  constructor(args: { what: string; iterations: number; residual: number; tolerance: number; hint?: string; detail?: string }) {
    super(
      `${args.what} did not converge after ${args.iterations} iterations (${args.detail ?? `residual ${args.residual.toExponential(3)} > tolerance ${args.tolerance.toExponential(1)}`}); ` +
        (args.hint ?? 'increase maxIterations, add damping, or start closer to the solution (continuation)'),
    );
    this.iterations = args.iterations;
    this.residual = args.residual;
    this.tolerance = args.tolerance;
  }
  static override isInstance(error: unknown): error is ConvergenceError {
    return isNamed(error, 'ConvergenceError');
  }
}

/** A backend cannot run on this machine (missing native library, engine failed to load…). */
export class BackendUnavailableError extends SftdlError {
  override readonly name = 'BackendUnavailableError';
  readonly backend: string;
  readonly reason: string;
  constructor(args: { backend: string; reason: string }) {
    super(`backend '${args.backend}' is unavailable: ${args.reason}`);
    this.backend = args.backend;
    this.reason = args.reason;
  }
  static override isInstance(error: unknown): error is BackendUnavailableError {
    return isNamed(error, 'BackendUnavailableError');
  }
}
