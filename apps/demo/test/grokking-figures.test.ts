import { describe, expect, it } from 'vitest';
import { demo } from './cli';

// Figure data in the CLI (issue 19 item 3) and the first-principles λ fix (item 5); reference numbers from closed forms.
describe('demo grokking: figure data', () => {
  it('cubic --sigma2: profile = d·Ŝ(q) (Eq. 13 written out here) with the minima ±q* of the solution marked', () => {
    const d = 150;
    const r = demo([
      'grokking',
      'cubic',
      '--epsilon',
      '-0.3',
      '--sigma-w2',
      '0.5',
      '--sigma-a2',
      String(8 / 700),
      '--width',
      '700',
      '--samples',
      '3000',
      '--dim',
      String(d),
      '--sigma2',
      '0.15',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      u: number;
      b: number;
      c: number;
      qStar: number;
      profile: { q: number; action: number; minimum: boolean }[];
      profileMinima: { q: number }[];
    };
    const sHat = (q: number) => {
      const D = 1 + 2 * (0.5 + q * q);
      return q * q - ((2 * j.u) / Math.PI) * ((q * q) / D) * (j.b - (2 * j.c * q * q) / D) ** 2;
    };
    for (const p of j.profile) expect(p.action).toBeCloseTo(d * sHat(p.q), 8);
    expect(j.profileMinima.map((m) => m.q)).toEqual([-j.qStar, 0, j.qStar]);
    expect(j.profile.filter((p) => p.minimum)).toHaveLength(3);
  });

  it('modular: one S_k/P profile per phase; first-principles GFL |a| = σ²/(σ² + 4σ_a²) = 0.99702 (the issue example)', () => {
    const r = demo([
      'grokking',
      'modular',
      '--prime',
      '401',
      '--width',
      '1000',
      '--sigma-a2',
      '2e-6',
      '--gamma',
      '1e-4',
      '--points',
      '21',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      modeProfiles: { phase: string; s: number; profile: { x: number; action: number }[]; minima: { x: number }[] }[];
    };
    expect(j.modeProfiles.map((m) => m.phase)).toEqual(['GFL', 'GMFL-I', 'GMFL-II']);
    for (const m of j.modeProfiles) {
      for (const p of m.profile) expect(p.action).toBeCloseTo(p.x - m.s * p.x ** 2 + (1e-4 / 3) * p.x ** 3, 8);
      if (m.s > 1e-2) expect(m.minima[1]!.x).toBeCloseTo((m.s + Math.sqrt(m.s ** 2 - 1e-4)) / 1e-4, 6);
    }
    const f = demo([
      'grokking',
      'modular',
      '--prime',
      '97',
      '--width',
      '500',
      '--sigma-a2',
      '1e-3',
      '--gamma',
      '4e-4',
      '--lambda-normalization',
      'first-principles',
      '--sigma2',
      '1.34042',
      '--json',
    ]);
    expect(f.code, f.stderr).toBe(0);
    expect((JSON.parse(f.stdout) as { curve: { a: number }[] }).curve[0]!.a).toBeCloseTo(1.34042 / (1.34042 + 4e-3), 6);
  });
});
