import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hermiteHe } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { tourTransition } from '../src/tour/cubic';
import { hermiteFit, stepsForBudget } from '../src/tour/langevin';
import { FIG2_BASE, FIG2_SIGMA2, invariantsAt, scaleFig2 } from '../src/tour/sizes';

const root = resolve(import.meta.dirname, '../../..');
const cli = join(root, 'apps/demo/src/cli.ts');
const nodeArgs = ['--conditions=@sftdl/source', '--import', 'tsx', cli];
function demo(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const findTransition = (p: {
  epsilon: number;
  sigmaW2: number;
  sigmaA2: number;
  width: number;
  samples: number;
  dim: number;
}) => {
  const r = demo([
    'grokking',
    'cubic',
    '--find-transition',
    '--json',
    '--epsilon',
    String(p.epsilon),
    '--sigma-w2',
    String(p.sigmaW2),
    '--sigma-a2',
    String(p.sigmaA2),
    '--width',
    String(p.width),
    '--samples',
    String(p.samples),
    '--dim',
    String(p.dim),
  ]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { sigma2Critical: number; uCritical: number; qStar: number };
};

describe('tour: size mapping via the invariants u and κ', () => {
  it('β-scaled sizes keep u = n²σ_a²/(σ⁴dN) and κ = nσ_a²/(σ²d) of the paper exactly, at every σ²', () => {
    for (const beta of [0.01, 1 / 32, 1 / 16, 1 / 8, 0.5, 1, 2]) {
      const s = scaleFig2(beta);
      const p = s.params;
      expect(p.samples * FIG2_BASE.width).toBe(p.width * FIG2_BASE.samples); // n/N = n₀/N₀
      expect(p.dim).toBe(Math.round(Math.sqrt(s.beta) * FIG2_BASE.dim));
      expect(Math.abs(s.beta - beta)).toBeLessThanOrEqual(0.005 + 1e-12);
      // σ_a² stays within the d-rounding of σ_a²₀/√β
      expect(Math.abs(p.sigmaA2 / s.sigmaA2Nominal - 1)).toBeLessThanOrEqual(0.5 / s.dimExact + 1e-12);
      for (const s2 of [...FIG2_SIGMA2, 0.17]) {
        const inv = invariantsAt(s, s2);
        expect(inv.u / inv.uPaper - 1).toBeCloseTo(0, 12);
        expect(inv.kappa / inv.kappaPaper - 1).toBeCloseTo(0, 12);
      }
    }
    expect(scaleFig2(1).params).toMatchObject({ width: 700, samples: 3000, dim: 150 });
    expect(() => scaleFig2(-1)).toThrow(/beta/);
  });
});

describe('tour: pure helpers', () => {
  it('hermiteFit recovers Hermite coefficients exactly from a noiseless combination', () => {
    const z = Array.from({ length: 400 }, (_, i) => -3 + (6 * i) / 399);
    const f = z.map((x) => 0.2 + 0.7 * hermiteHe(1, x) - 0.05 * hermiteHe(3, x) + 0.01 * hermiteHe(5, x));
    const r = hermiteFit(f, z);
    expect(r.he1).toBeCloseTo(0.7, 10);
    expect(r.he3).toBeCloseTo(-0.05, 10);
    expect(r.he3Se).toBeLessThan(1e-8);
  });
  it('stepsForBudget: seconds × rate / chains, clamped', () => {
    expect(stepsForBudget({ seconds: 10, rate: 800, chains: 8, minSteps: 100, maxSteps: 5000 })).toBe(1000);
    expect(stepsForBudget({ seconds: 0.1, rate: 800, chains: 8, minSteps: 100, maxSteps: 5000 })).toBe(100);
    expect(stepsForBudget({ seconds: 1e6, rate: 800, chains: 8, minSteps: 100, maxSteps: 5000 })).toBe(5000);
  });
});

describe('tour: end to end', () => {
  it('the transition of the tour equals `grokking cubic --find-transition` (paper and tour sizes)', () => {
    const paper = findTransition(FIG2_BASE);
    const tour = scaleFig2(1 / 32);
    expect(tourTransition(tour).sigma2Critical).toBe(findTransition(tour.params).sigma2Critical);
    const tour16 = scaleFig2(1 / 16);
    expect(tourTransition(tour16).sigma2Critical).toBe(findTransition(tour16.params).sigma2Critical);
    expect(tourTransition(scaleFig2(1)).sigma2Critical).toBe(paper.sigma2Critical);
    // u and κ are invariant, so the scaled sizes have the paper's transition
    expect(tourTransition(tour).sigma2Critical).toBeCloseTo(paper.sigma2Critical, 10);
  });

  it('a quick tour writes report.html with SVG figures, a JSON summary and the --find-transition transition', () => {
    const out = mkdtempSync(join(tmpdir(), 'sftdl-tour-'));
    const r = demo(['tour', '--quick', '--json', '--out-dir', out, '--seed', '3']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.report).toBe(join(out, 'report.html'));
    const html = readFileSync(j.report, 'utf8');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(7); // cubic ×2 + 3 histograms, modular, MSA ×2
    for (const s of ['Cubic teacher', 'Modular addition', 'Multi-scale adaptive', 'Scaling', 'σ²_c', 'GMFL-II'])
      expect(html).toContain(s);
    expect(readdirSync(out).filter((f) => f.includes('.tmp'))).toEqual([]);
    const c = j.parts.cubic;
    const ft = findTransition({ ...c.sizes });
    expect(c.transition.sigma2Critical).toBe(ft.sigma2Critical);
    expect(c.langevin.runs).toHaveLength(3);
    for (const run of c.langevin.runs) expect(Number.isFinite(run.learnedCubic)).toBe(true);
    expect(j.parts.modular.gmfl1Onset).toBeGreaterThan(j.parts.modular.gmfl2Onset);
    expect(j.parts.scaling.rows.length).toBeGreaterThan(5);
  });
});

describe('tour: bad input (exit 2, one line naming the flag)', () => {
  const cases: [string[], RegExp][] = [
    [['tour', '--beta', '-1'], /--beta/],
    [['tour', '--chains', 'NaN'], /--chains/],
    [['tour', '--chains', '1'], /--chains/],
    [['tour', '--full'], /--full/],
    [['cubic', '--sigma2', '0.2,abc'], /--sigma2/],
    [['cubic', '--resume'], /--resume/],
    [['cubic', '--aligned-chains', '9', '--chains', '4'], /--aligned-chains/],
    [['modular', '--points', '2'], /--points/],
    [['msa-regimes', '--quick', '--full'], /--quick/],
    [['cubc'], /allowed: .*msa-regimes.*scaling-table/],
  ];
  for (const [args, re] of cases) {
    it(args.join(' '), () => {
      const r = demo(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    });
  }
});

describe('scenario: Ctrl-C leaves a resumable checkpoint and no report', () => {
  it('SIGINT during `cubic --full` → exit 130 + checkpoint; --resume finishes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sftdl-ck-'));
    const ck = join(out, 'ck');
    const args = [
      'cubic',
      '--full',
      '--beta',
      '0.01',
      '--chains',
      '2',
      '--aligned-chains',
      '1',
      '--steps',
      '4000',
      '--sigma2',
      '0.2,0.1',
      '--checkpoint-dir',
      ck,
      '--out-dir',
      out,
      '--json',
    ];
    const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => {
      stderr += String(b);
    });
    const code = await new Promise<number | null>((res) => {
      const t = setInterval(() => {
        // interrupt once the first ensemble is running (its progress bar has started)
        if (/Langevin σ² = 0\.2 .*: \d+%/.test(stderr)) {
          clearInterval(t);
          child.kill('SIGINT');
        }
      }, 50);
      child.on('exit', (c) => {
        clearInterval(t);
        res(c);
      });
    });
    expect(code, stderr).toBe(130);
    expect(existsSync(join(out, 'report-cubic-full.html'))).toBe(false);
    const dir = readdirSync(ck)[0]!;
    const files = readdirSync(join(ck, dir));
    expect(files).toContain('plan.json');
    expect(files.some((f) => f.endsWith('.state.json'))).toBe(true);
    const r = demo([...args, '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/resuming the plan/);
    expect(existsSync(join(out, 'report-cubic-full.html'))).toBe(true);
  }, 90_000);
});
