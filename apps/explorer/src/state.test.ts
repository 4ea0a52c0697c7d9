import { describe, expect, it } from 'vitest';
import { DEFAULTS, cubicSigmaA2, explorerLink, parseQuery, toQuery } from './state';

describe('URL state', () => {
  it('the bare URL is the cubic view at the paper’s Fig. 2 parameters', () => {
    const { state, warnings } = parseQuery('');
    expect(warnings).toEqual([]);
    expect(state.view).toBe('cubic');
    if (state.view !== 'cubic') return;
    expect(state.params).toMatchObject({ epsilon: -0.3, sigmaW2: 0.5, width: 700, samples: 3000, dim: 150 });
    expect(cubicSigmaA2(state.params)).toBe(8 / 700);
  });

  it('reads the shared example link and round-trips every view', () => {
    const { state, warnings } = parseQuery('?view=cubic&epsilon=-0.3&sigma-w2=0.5&width=700&samples=3000&dim=150');
    expect(warnings).toEqual([]);
    expect(state).toEqual({ view: 'cubic', params: DEFAULTS.cubic });
    const examples = [
      '?view=cubic&epsilon=-0.5&sigma-w2=0.8&sigma2=0.12&width=900&samples=2000&dim=100&sigma-a2=0.02',
      '?view=modular&prime=97&width=500&sigma-a2=0.00001&gamma=0.001&lambda-normalization=first-principles&sigma2=0.3',
      '?view=kernels&activation=erf&depth=4&weight-var=1.5&bias-var=0.05&parameterization=standard&width=64',
      '?view=msa&width=1024&chi=N&activation=linear',
    ];
    for (const q of examples) {
      const a = parseQuery(q);
      expect(a.warnings).toEqual([]);
      expect(parseQuery(toQuery(a.state)).state).toEqual(a.state);
    }
    expect(explorerLink('http://127.0.0.1:5173/', parseQuery(examples[3] ?? '').state)).toBe(
      'http://127.0.0.1:5173/?view=msa&width=1024&chi=N&activation=linear',
    );
  });

  it('rejects bad values with one line naming the parameter and keeps the default', () => {
    const { state, warnings } = parseQuery('?view=kernels&depth=0&activation=nope&foo=1');
    expect(warnings).toEqual([
      "unknown parameter 'foo' for the kernels view (ignored)",
      "activation must be one of relu|erf|tanh|gelu|softplus|swish|sigmoid|abs|step|relu2|square|cube|sin|cos|linear, got 'nope'",
      'depth must be ≥ 1, got 0',
    ]);
    expect(state).toEqual({ view: 'kernels', params: DEFAULTS.kernels });
    expect(parseQuery('?view=cubic&sigma2=-1').warnings).toEqual(['sigma2 must be > 0, got -1']);
    expect(parseQuery('?view=nope').state.view).toBe('cubic');
  });
});
