import { describe, expect, it } from 'vitest';
import { erf, erfc, normalCdf, normalPdf } from './special';

// [x, erf(x), erfc(x)] from mpmath at 40 digits (mp.dps = 40), rounded to float64
const MPMATH: [number, number, number][] = [
  [-3, -0.9999779095030014, 1.9999779095030015],
  [-1.2, -0.9103139782296353, 1.9103139782296354],
  [-0.3, -0.3286267594591274, 1.3286267594591274],
  [0, 0.0, 1.0],
  [0.2, 0.22270258921047847, 0.7772974107895215],
  [0.5, 0.5204998778130465, 0.4795001221869535],
  [0.7, 0.6778011938374184, 0.32219880616258156],
  [0.99, 0.8385080695553698, 0.1614919304446302],
  [1, 0.8427007929497149, 0.15729920705028513],
  [1.3, 0.9340079449406524, 0.06599205505934755],
  [1.7, 0.9837904585907745, 0.01620954140922544],
  [2.2, 0.9981371537020182, 0.0018628462979818898],
  [2.49, 0.9995707121322661, 0.0004292878677339129],
  [2.5, 0.999593047982555, 0.0004069520174449589],
  [3.1, 0.9999883513426328, 1.1648657367199589e-5],
  [4.5, 0.9999999998033839, 1.9661604415428876e-10],
  [6, 1.0, 2.1519736712498913e-17],
  [9, 1.0, 4.13703174651381e-37],
  [15, 1.0, 7.212994172451207e-100],
  [26, 1.0, 5.663192408856143e-296],
];

const rel = (a: number, b: number) => (b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b));

describe('erf / erfc against mpmath', () => {
  it('erf to 1e-15 relative', () => {
    for (const [x, e] of MPMATH) expect(rel(erf(x), e), `erf(${x})`).toBeLessThan(1e-15);
  });
  it('erfc to 2e-15 relative everywhere, including 0.5 < x < 2.5 and the far tail', () => {
    for (const [x, , c] of MPMATH) expect(rel(erfc(x), c), `erfc(${x})`).toBeLessThan(2e-15);
  });
  it('normalCdf/normalPdf closed forms and symmetry', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(rel(normalCdf(-1.959963984540054), 0.025)).toBeLessThan(1e-14);
    for (const x of [0.3, 1.1, 2.7, 5]) expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 15);
    expect(normalPdf(0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 16);
    expect(Number.isNaN(erf(NaN)) && Number.isNaN(erfc(NaN))).toBe(true);
  });
});

describe('erfcx', () => {
  it('matches mpmath e^{x²}·erfc(x) (40 digits) and the asymptotic series in the far tail', async () => {
    const { erfcx } = await import('./special');
    // [x, e^{x²} erfc(x)] from mpmath at mp.dps = 40
    const REF: [number, number][] = [
      [-1.5, 18.653886256262734],
      [-0.3, 1.4537492328427655],
      [0, 1.0],
      [0.5, 0.6156903441929259],
      [0.99, 0.4303312130641483],
      [1, 0.427583576155807],
      [2, 0.25539567631050575],
      [5, 0.11070463773306863],
      [10, 0.05614099274382259],
      [26, 0.021683584850562907],
      [100, 0.005641613782989433],
    ];
    for (const [x, v] of REF) expect(Math.abs(erfcx(x) - v) / v).toBeLessThan(2e-15);
    // erfcx(x) = 1/(x√π)·(1 − 1/(2x²) + 3/(4x⁴) − …)
    const x = 1e3;
    expect(erfcx(x) * x * Math.sqrt(Math.PI)).toBeCloseTo(1 - 1 / (2 * x * x) + 3 / (4 * x ** 4), 15);
  });
});
