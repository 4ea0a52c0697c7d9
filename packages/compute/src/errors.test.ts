import { describe, expect, it } from 'vitest';
import { ConvergenceError, InvalidArgumentError, NotPositiveDefiniteError, SftdlError, ShapeError } from './errors';

describe('errors', () => {
  it('isInstance recognises sftdl errors by the shared Symbol.for marker, also from a duplicated install', () => {
    const e = new ShapeError('bad shape');
    expect(SftdlError.isInstance(e)).toBe(true);
    expect(ShapeError.isInstance(e)).toBe(true);
    expect(InvalidArgumentError.isInstance(e)).toBe(false);
    expect(SftdlError.isInstance(new Error('plain'))).toBe(false);
    expect(SftdlError.isInstance(null)).toBe(false);
    // a copy of the class from another install: only the registry symbol and the name are shared
    const foreign = Object.assign(new Error('x'), { name: 'ConvergenceError', [Symbol.for('sftdl.error')]: true });
    expect(SftdlError.isInstance(foreign)).toBe(true);
    expect(ConvergenceError.isInstance(foreign)).toBe(true);
    expect(ShapeError.isInstance(foreign)).toBe(false);
  });

  it('the marker is an own enumerable property; messages carry the fields', () => {
    const e = new NotPositiveDefiniteError({ pivot: 3, backend: 'reference', suggestedJitter: 1e-6 });
    expect(Object.getOwnPropertySymbols(e)).toContain(Symbol.for('sftdl.error'));
    expect(Object.prototype.propertyIsEnumerable.call(e, Symbol.for('sftdl.error'))).toBe(true);
    expect(e.message).toMatch(/pivot 3 on backend 'reference'.*jitter: 1\.0e-6/);
    expect(e.name).toBe('NotPositiveDefiniteError');
    expect(e).toBeInstanceOf(SftdlError);
  });
});
