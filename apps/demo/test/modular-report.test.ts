import { describe, expect, it } from 'vitest';
import type { ModularLangevinRun } from '../src/tour/modular-langevin';
import { laplaceSentence, screenedParagraph } from '../src/tour/modular';
import type { ModularWidthPoint } from '../src/tour/modular-width';

// The report's reading of the screened cavity theory: which points it meets within 3 combined SE, and which it misses.
describe('modular report: the screened cavity theory paragraph', () => {
  const run = (phase: string, a: number, se: number, th: number | null, thSe: number | null) => {
    const dev = th === null ? null : Math.abs(a - th) / Math.hypot(se, thSe!);
    return {
      phase,
      a,
      aStdError: se,
      theoryScreened: th,
      theoryScreenedSe: thSe,
      deviationSeScreened: dev,
      withinThreeSeScreened: dev === null ? null : dev <= 3,
    } as unknown as ModularLangevinRun;
  };
  it('counts the points within 3 SE, names the misses, and lists the sweep widths where the theory was solved (other than the run’s own width)', () => {
    const runs = [
      run('GFL', 0.98106, 0.00009, 0.98142, 0.0002),
      run('GMFL-I', 0.94744, 0.00014, 0.94668, 0.0004),
      run('GMFL-II', 0.87858, 0.00023, 0.88503, 0.00053),
    ];
    const gfl = [
      { width: 16, a: 0.98694, aStdError: 0.00007 },
      { width: 32, a: 0.98106, aStdError: 0.00009, theoryScreened: 0.98142, theoryScreenedSe: 0.0002, deviationSeScreened: 1.64 },
      { width: 64, a: 0.97488, aStdError: 0.00009, theoryScreened: 0.97507, theoryScreenedSe: 0.00031, deviationSeScreened: 0.6 },
    ] as unknown as ModularWidthPoint[];
    const text = screenedParagraph(runs, [], gfl, 32);
    // (0.98142 − 0.98106)/hypot(0.00009, 0.0002) = 1.6; (0.94744 − 0.94668)/hypot(0.00014, 0.0004) = 1.8; GMFL-II 11
    expect(text).toContain('Within 3 SE at 2 of 3 points (misses: GMFL-II;');
    expect(text).toContain('GFL 0.9814 ± 2e-4 against 0.9811 ± 9e-5 (1.6 SE)');
    expect(text).toContain('GMFL-II 0.8850');
    expect(text).toContain('GFL sweep: N = 64 0.9751 ± 3e-4 against 0.9749 ± 9e-5 (0.60 SE).');
    expect(text).not.toContain('GMFL-I midpoint sweep');
  });
  it('all within 3 SE: no misses clause; a refused point counts as solved and not within', () => {
    expect(screenedParagraph([run('GFL', 0.5, 0.01, 0.51, 0.01)], [], [], 32)).toContain('Within 3 SE at 1 of 1 points.');
    const refused = screenedParagraph([run('GFL', 0.5, 0.01, 0.51, 0.01), run('GMFL-II', 0.8, 0.01, null, null)], [], [], 32);
    expect(refused).toContain('GMFL-II — (refused)');
    expect(refused).toContain('Within 3 SE at 1 of 2 points (misses: GMFL-II;');
  });
});

// The Laplace response at GMFL-II: its |a| against the network and the bracket with the second-order response.
describe('modular report: the Laplace response sentence', () => {
  it('reports each solved point, counts the points inside the bracket and names the others; nothing where it was not solved', () => {
    const pts = [
      {
        label: 'N = 16',
        a: 0.92737,
        aStdError: 0.00038,
        theoryScreened: 0.9297,
        theoryLaplace: 0.9191,
        theoryLaplaceSe: 0.003,
        deviationSeLaplace: 2.7,
        withinBracket: true,
      },
      {
        label: 'N = 64',
        a: 0.80196,
        aStdError: 0.00028,
        theoryScreened: 0.8301,
        theoryLaplace: 0.8014,
        theoryLaplaceSe: 0.0007,
        deviationSeLaplace: 0.7,
        withinBracket: true,
      },
      {
        label: 'N = 128',
        a: 0.75,
        aStdError: 0.0001,
        theoryScreened: 0.7791,
        theoryLaplace: 0.77,
        theoryLaplaceSe: 0.001,
        deviationSeLaplace: 20,
        withinBracket: false,
      },
      { label: 'N = 8', a: 0.95, aStdError: 0.001, theoryScreened: 0.96 },
    ] as unknown as Parameters<typeof laplaceSentence>[0];
    const text = laplaceSentence(pts);
    expect(text).toContain('N = 16 0.9191 ± 0.003 (network − Laplace 0.0083, 2.7 SE)');
    expect(text).toContain('between the two responses (within 3 SE of the interval) at 2 of 3 points (outside: N = 128).');
    expect(text).not.toContain('N = 8');
    expect(laplaceSentence([pts[3]!])).toBe('');
    expect(laplaceSentence([{ ...pts[0]!, theoryLaplace: null }])).toContain('N = 16 — (refused)');
  });
});

describe('modular report: the second prime', () => {
  it('states the scaling, the gaps and their ratios, marks a gap that does not shrink and an R̂ above 1.05', async () => {
    const { secondPrimeParagraph, secondPrimeTable } = await import('../src/tour/modular-prime');
    const point = (phase: string, a: number, theoryA: number, aFirst: number, thFirst: number, rhat: number) => {
      const gap = a - theoryA;
      const gapFirstPrime = aFirst - thFirst;
      const gapShrinks = Math.abs(gapFirstPrime) - Math.abs(gap) > 3 * Math.hypot(0.0001, 0.0001);
      return {
        sigma2: 0.003,
        phase,
        a,
        aStdError: 0.0001,
        rhat,
        ess: 300,
        equilibrated: rhat <= 1.05,
        startsAgree: true,
        steps: 1000,
        theoryA,
        gap,
        theoryFiniteN: null,
        theoryFiniteNSe: null,
        aFirstPrime: aFirst,
        aStdErrorFirstPrime: 0.0001,
        gapFirstPrime,
        gapRatio: gap / gapFirstPrime,
        gapShrinks,
        gapSameModesPerNeuron: phase === 'GFL' ? null : 0.1,
        relativeToSameModesPerNeuron: phase === 'GFL' ? null : (gap - 0.1) / 0.1,
      };
    };
    const points = [
      point('GFL', 0.9812, 0.9666, 0.98106, 0.9594, 1.02),
      point('GMFL-I', 0.9336, 0.8443, 0.94744, 0.8387, 1.03),
      point('GMFL-II', 0.9, 0.718, 0.87858, 0.7145, 1.17),
    ];
    const r = {
      prime: 13,
      width: 62,
      sigmaA2: 1e-4,
      gamma: 30,
      firstPrime: 11,
      firstWidth: 32,
      beta: (13 / 11) ** 2,
      scaling: '',
      modesPerNeuron: 12 / 62,
      modesPerNeuronFirstPrime: 10 / 32,
      widthSameModesPerNeuron: (62 * 10) / 12,
      points,
      gapShrinksEverywhere: false,
    };
    const text = secondPrimeParagraph(r);
    expect(text).toMatch(/P' = 13, N' = round\(N·\(P'\/P\)⁴\) = 62/);
    expect(text).toMatch(/falls from 0\.313 to 0\.194/);
    expect(text).toMatch(/GMFL-I 0\.109 → 0\.0893 \(×0\.82; the first prime's sweep at N = 51\.7: 0\.100\)/);
    expect(text).toMatch(/R̂ 1\.17: not equilibrated/);
    expect(text).toMatch(/shrinks beyond 3 SE at 2 of 3 points/);
    const t = secondPrimeTable(r);
    expect(t.rows).toHaveLength(3);
    expect(t.header).toHaveLength(t.rows[0]!.length);
    expect(String(t.rows[2]![5])).toMatch(/✗$/); // the GMFL-II gap grew
    expect(String(t.rows[0]![5])).not.toMatch(/✗/);
    expect(String(t.rows[2]![9])).toBe('1.17 ✗');
    expect(t.rows[0]![7]).toBe('—');
  });
});
