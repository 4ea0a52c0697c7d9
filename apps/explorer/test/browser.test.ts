/**
 * The explorer in a real browser: builds the static site, serves it on 127.0.0.1 and drives Debian's chromium
 * through playwright-core (never a downloaded browser). Loads every view, moves sliders, checks the displayed
 * numbers against the CLI and closed forms and the SVG charts, saves screenshots (test-artifacts/screenshots/),
 * fails on any console error, and measures the responsiveness budget (slider → redraw p95 < 100 ms on the cubic
 * view, initial load < 300 KB gzipped). If chromium is missing or cannot start, the test FAILS with its stderr.
 */
import { execSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Browser, type Page, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliTransition } from './cli';
import { type StaticServer, serveStatic } from './static-server';

const appDir = resolve(import.meta.dirname, '..');
const artifacts = join(appDir, 'test-artifacts');
const distDir = join(artifacts, 'dist');
const shots = join(artifacts, 'screenshots');

let server: StaticServer;
let browser: Browser;
let page: Page;
let consoleErrors: string[] = [];
const figures: Record<string, unknown> = {};

function findChromium(): string {
  try {
    return execSync('command -v chromium', { shell: '/bin/sh', encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      "chromium not found on PATH: install Debian's chromium (apt-get install -y --no-install-recommends chromium; .ci/run does this). " +
        'The browser test never downloads a browser and never skips.',
    );
  }
}

async function launch(executablePath = findChromium()): Promise<Browser> {
  try {
    // --no-sandbox: CI containers run as root, where chromium's sandbox cannot start
    return await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'], timeout: 120_000 });
  } catch (e) {
    // playwright's launch error carries the browser's stderr ("=== logs ===")
    throw new Error(`chromium (${executablePath}) failed to start:\n${e instanceof Error ? e.message : String(e)}`);
  }
}

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));

beforeAll(async () => {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  // the same build as `pnpm --filter @sftdl/explorer build`, into the artefact folder (turbo may build dist/ at the same time)
  await build({
    root: appDir,
    configFile: join(appDir, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: distDir, emptyOutDir: true },
  });
  server = await serveStatic(distDir);
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
});

afterEach(() => {
  const errs = consoleErrors;
  consoleErrors = [];
  expect(errs, 'console errors in the page').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (Object.keys(figures).length > 0) {
    writeFileSync(join(artifacts, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`explorer figures: ${JSON.stringify(figures)}`);
  }
});

/** Waits until the newest request of the page has been drawn completely. */
async function settled(): Promise<void> {
  await page.waitForFunction(
    () => {
      const p = window.__explorer;
      return p !== undefined && p.requestId > 0 && p.completedId === p.requestId;
    },
    null,
    { timeout: 120_000 },
  );
}

async function open(query: string): Promise<void> {
  await page.goto(`${server.url}${query}`);
  await settled();
}

const text = async (key: string): Promise<string> => (await page.locator(`[data-out="${key}"]`).textContent())?.trim() ?? '';
const num = async (key: string): Promise<number> => Number(await text(key));

/** Sets a control as a user would (input event on a slider/text box, change event on a select) and waits for the redraw. */
async function setControl(key: string, value: string, selector = `[data-param="${key}"]`): Promise<void> {
  const loc = page.locator(selector);
  if ((await loc.evaluate((el) => el.tagName)) === 'SELECT') await loc.selectOption(value);
  else
    await loc.evaluate((el, v) => {
      (el as HTMLInputElement).value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, value);
  await settled();
}
/** Sets a control through its number box (exact values). */
const setValue = (key: string, value: string) => setControl(key, value, `[data-value-for="${key}"]`);

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function svgAttr(selector: string, attr: string): Promise<string | null> {
  return page.locator(selector).first().getAttribute(attr);
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
};

/** One slider move timed in the page: input event → DOM redrawn (first stage, and complete + two frames painted). */
async function timedMove(key: string, sliderValue: number): Promise<{ first: number; complete: number }> {
  return page.evaluate(
    async ([k, v]) => {
      const el = document.querySelector(`[data-param="${k}"]`) as HTMLInputElement;
      const t0 = performance.now();
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
      const id = window.__explorer.requestId;
      let first = -1;
      await new Promise<void>((done) => {
        const on = (e: Event) => {
          const d = (e as CustomEvent<{ id: number; complete: boolean }>).detail;
          if (d.id !== id) return;
          if (first < 0) first = performance.now() - t0;
          if (d.complete) {
            document.removeEventListener('explorer:render', on);
            done();
          }
        };
        document.addEventListener('explorer:render', on);
      });
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return { first, complete: performance.now() - t0 };
    },
    [key, sliderValue] as const,
  );
}

describe('explorer in chromium', () => {
  it('bare URL: the cubic view at the Fig. 2 parameters shows the CLI’s σ²_c and u_c as DOM text', async () => {
    const cli = await cliTransition({ epsilon: -0.3, sigmaW2: 0.5, sigmaA2: 8 / 700, width: 700, samples: 3000, dim: 150 });
    await open('');
    expect(await page.locator('main').getAttribute('data-view')).toBe('cubic');
    const s2c = await text('sigma2Critical');
    expect(s2c).toMatch(/^0\.\d{4,}/); // at least 4 decimals
    expect(Math.abs(Number(s2c) - cli.sigma2Critical)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(Number(await text('uCritical')) - cli.uCritical)).toBeLessThanOrEqual(1e-8);
    // the full double is in the title attribute
    // (chromium's V8 and node's may differ in the last bit of exp/log, hence 1e-12 and not equality)
    expect(
      Math.abs(Number(await page.locator('[data-out="sigma2Critical"]').getAttribute('title')) - cli.sigma2Critical),
    ).toBeLessThanOrEqual(1e-12);
    // σ² = 0.15 < σ²_c: the droplet phase; u from its closed form n²σ_a²/(σ⁴dN)
    expect(await text('phase')).toBe('GMFL-I');
    expect(await num('u')).toBeCloseTo((3000 ** 2 * (8 / 700)) / (0.15 ** 2 * 150 * 700), 3);
    expect(await num('learnedCubic')).toBeLessThan(0); // ε = −0.3: part of the cubic term is learned
    // landscape: a dense curve with three minima (q = 0 and ±q*) and two barriers
    expect(Number(await svgAttr('[data-chart="landscape"] path[data-series]', 'data-points'))).toBeGreaterThanOrEqual(300);
    expect(await page.locator('[data-chart="landscape"] [data-point^="min-"]').count()).toBe(3);
    expect(await page.locator('[data-chart="landscape"] [data-point^="barrier-"]').count()).toBe(2);
    // learned coefficients with σ²_c and the spinodal marked at the CLI's values
    expect(Number(await svgAttr('[data-chart="learned"] [data-mark="sigma2c"]', 'data-x'))).toBeCloseTo(cli.sigma2Critical, 12);
    expect(await page.locator('[data-chart="learned"] [data-mark="spinodal"]').count()).toBe(1);
    expect(await page.locator('[data-chart="learned"] path[data-series]').count()).toBe(2);
    // phase diagram: the transition line passes through (σ²_c, u_c)
    expect(Number(await svgAttr('[data-chart="phase-diagram"] [data-point="critical"]', 'data-y'))).toBeCloseTo(cli.uCritical, 9);
    expect(
      Number(await svgAttr('[data-chart="phase-diagram"] path[data-series^="transition"]', 'data-points')),
    ).toBeGreaterThanOrEqual(15);
    await shot('cubic');
  });

  it('cubic sliders: σ² across the transition, ε moves σ²_c (= the CLI), N moves σ_a² = 8/N, and the URL follows', async () => {
    await open('');
    await setValue('sigma2', '0.25');
    expect(await text('phase')).toBe('GFL');
    expect(await num('learnedCubic')).toBe(0);
    expect(await text('qStar')).toBe('—');
    expect(await page.locator('[data-chart="landscape"] [data-point^="min-"]').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('sigma2')).toBe('0.25');
    await setValue('sigma2', '0.1');
    expect(await text('phase')).toMatch(/^GMFL/);
    // a real slider move (log slider position) changes σ² and redraws
    await setControl('sigma2', '800');
    const s2 = Number(new URL(page.url()).searchParams.get('sigma2'));
    expect(s2).toBeCloseTo(Math.exp(Math.log(0.01) + Math.log(100) * 0.8), 3);
    expect(Number(await svgAttr('[data-chart="learned"] [data-mark="sigma2-now"]', 'data-x'))).toBe(s2);
    await setControl('epsilon', '-0.5');
    const cli = await cliTransition({ epsilon: -0.5, sigmaW2: 0.5, sigmaA2: 8 / 700, width: 700, samples: 3000, dim: 150 });
    expect(Math.abs((await num('sigma2Critical')) - cli.sigma2Critical)).toBeLessThanOrEqual(1e-9);
    await setValue('width', '1400');
    expect(await num('sigmaA2')).toBeCloseTo(8 / 1400, 8);
    // reload from the URL: the same state comes back
    const url = page.url();
    await open(new URL(url).search);
    expect(Number(await page.locator('[data-value-for="width"]').inputValue())).toBe(1400);
    expect(await num('sigmaA2')).toBeCloseTo(8 / 1400, 8);
    await shot('cubic-moved');
  });

  it('responsiveness: slider → redraw p95 < 100 ms on the cubic view', async () => {
    await open('');
    for (let i = 0; i < 3; i++) await timedMove('sigma2', 500 + 40 * i); // warm the JIT and the caches
    const sigma2Moves: { first: number; complete: number }[] = [];
    for (let i = 0; i < 40; i++) sigma2Moves.push(await timedMove('sigma2', 420 + ((i * 37) % 360)));
    // other sliders: the first stage (σ²_c, phase, landscape, read-outs) must be as quick; the curves follow in stages
    const otherMoves: { first: number; complete: number }[] = [];
    for (const [k, vs] of [
      ['epsilon', [-0.35, -0.25, -0.4, -0.3]],
      ['sigma-w2', [420, 480, 450, 500]],
      ['width', [400, 460, 430, 480]],
      ['dim', [450, 520, 480, 500]],
    ] as const) {
      for (const v of vs) otherMoves.push(await timedMove(k, v));
    }
    const p95 = quantile(
      sigma2Moves.map((m) => m.complete),
      0.95,
    );
    const p50 = quantile(
      sigma2Moves.map((m) => m.complete),
      0.5,
    );
    const firstP95 = quantile(
      otherMoves.map((m) => m.first),
      0.95,
    );
    const fullP95 = quantile(
      otherMoves.map((m) => m.complete),
      0.95,
    );
    figures.cubicSigma2RedrawMs = { p50: Number(p50.toFixed(1)), p95: Number(p95.toFixed(1)), moves: sigma2Moves.length };
    figures.cubicOtherSlidersMs = {
      firstRedrawP95: Number(firstP95.toFixed(1)),
      completeP95: Number(fullP95.toFixed(1)),
      moves: otherMoves.length,
    };
    console.log(
      `cubic σ² slider → redraw: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms (${sigma2Moves.length} moves); ` +
        `ε/σ_w²/N/d sliders: first redraw p95 ${firstP95.toFixed(1)} ms, all curves p95 ${fullP95.toFixed(1)} ms`,
    );
    expect(p95).toBeLessThan(100);
    expect(firstP95).toBeLessThan(100);
  });

  it('initial load is under 300 KB gzipped', async () => {
    const all = files(distDir);
    let gz = 0;
    const parts: Record<string, number> = {};
    for (const f of all) {
      const n = gzipSync(readFileSync(f), { level: 9 }).length;
      gz += n;
      parts[relative(distDir, f)] = n;
    }
    // and the page fetches nothing beyond these files
    const fetched: string[] = [];
    page.on('request', (r) => {
      fetched.push(r.url());
    });
    await open('');
    for (const u of fetched) expect(u.startsWith(server.url)).toBe(true);
    figures.initialLoadGzipBytes = gz;
    figures.initialLoadFiles = parts;
    console.log(
      `initial load: ${(gz / 1024).toFixed(1)} KB gzipped in ${all.length} files (${Object.entries(parts)
        .map(([f, n]) => `${f} ${(n / 1024).toFixed(1)} KB`)
        .join(', ')})`,
    );
    expect(gz).toBeLessThan(300 * 1024);
  });

  it('modular view: onsets equal their closed forms; σ² and the λ normalisation move the phase', async () => {
    await open('?view=modular');
    const P = 401,
      N = 1000,
      A = 2e-6,
      g = 1e-4;
    const sStar = 2 * Math.sqrt(g / 3);
    const s1 = Math.sqrt((2 * A * P * P) / (N * sStar));
    expect(await num('gmfl1Onset')).toBeCloseTo(s1, 7);
    expect(await num('gmfl2Onset')).toBeCloseTo(s1 - (3 * A) / g, 7);
    expect(await num('spinodal')).toBeCloseTo(Math.sqrt((2 * A * P * P) / (N * Math.sqrt(g))), 7);
    for (const id of ['gmfl1', 'gmfl2', 'spinodal'])
      expect(await page.locator(`[data-chart="modular-a"] [data-mark="${id}"]`).count()).toBe(1);
    expect(Number(await svgAttr('[data-chart="modular-a"] path[data-series^="|a|"]', 'data-points'))).toBeGreaterThanOrEqual(60);
    expect(await page.locator('[data-chart="mode-action"] [data-point="x-plus"]').count()).toBe(1);
    await shot('modular');
    await setValue('sigma2', '0.3');
    expect(await text('phase')).toBe('GFL');
    expect(await num('a')).toBe(1);
    expect(await page.locator('[data-chart="mode-action"] [data-point="x-plus"]').count()).toBe(0);
    await setControl('lambda-normalization', 'first-principles');
    // first principles: c_λ = 4P², σ²_II = σ²_I − 4P²·3σ_a²/γ < 0, so GMFL-II is never reached
    expect(await text('gmfl2Onset')).toBe('none');
    expect(new URL(page.url()).searchParams.get('lambda-normalization')).toBe('first-principles');
    await shot('modular-moved');
  });

  it('kernels view: ReLU values equal the closed forms; depth, σ_b² and activation move them; heatmap and spectrum drawn', async () => {
    await open('?view=kernels');
    // ReLU, σ_w² = 2: K_l(x,x) = 2 + (l+1)σ_b², Θ_L(x,x) = Σ_{l=0..L} K_l(x,x)
    const diag = (L: number, b: number) => ({
      k: 2 + (L + 1) * b,
      t: Array.from({ length: L + 1 }, (_, l) => 2 + (l + 1) * b).reduce((a, v) => a + v, 0),
    });
    expect(await num('nngp-0')).toBeCloseTo(diag(3, 0.1).k, 6);
    expect(await num('ntk-0')).toBeCloseTo(diag(3, 0.1).t, 6);
    expect(await page.locator('[data-chart="heatmap"] [data-cells="1600"]').count()).toBe(1);
    expect(await page.locator('[data-chart="spectrum"] circle').count()).toBeGreaterThanOrEqual(70);
    expect(Number(await svgAttr('[data-chart="angle"] path[data-series^="NNGP"]', 'data-points'))).toBe(181);
    await shot('kernels');
    await setControl('depth', '5');
    expect(await num('nngp-0')).toBeCloseTo(diag(5, 0.1).k, 6);
    expect(await num('ntk-0')).toBeCloseTo(diag(5, 0.1).t, 6);
    await setControl('depth', '1');
    await setControl('bias-var', '0');
    // arc-cosine kernel at θ = π/2: (2/π)(sin θ + (π − θ) cos θ) = 2/π
    expect(await num('nngp-1')).toBeCloseTo(2 / Math.PI, 6);
    await setControl('activation', 'erf');
    expect(await num('nngp-0')).not.toBeCloseTo(2, 3);
    expect(new URL(page.url()).searchParams.get('activation')).toBe('erf');
    await shot('kernels-moved');
  });

  it('MSA view: tree, one loop and exact against the NNGP; N and χ move them', async () => {
    await open('?view=msa');
    for (const s of ['NNGP', 'MSA tree level', 'MSA one loop', 'exact posterior']) {
      expect(Number(await svgAttr(`[data-chart="msa-curve"] path[data-series^="${s}"]`, 'data-points'))).toBe(10);
    }
    const nngp = await num('nngp');
    const exact256 = await num('exact');
    expect(Math.abs(exact256 - nngp) / nngp).toBeLessThan(0.05);
    // one loop is closer to exact than tree level (the finite-N correction)
    expect(await num('oneLoopError')).toBeLessThan(await num('treeError'));
    await shot('msa');
    await setValue('width', '8192');
    expect(Math.abs((await num('exact')) - nngp) / nngp).toBeLessThan(0.01);
    await setControl('chi', 'N');
    expect(await text('chi')).toBe('8192');
    // mean-field scaling keeps learning features: far from the NNGP
    expect(Math.abs((await num('exact')) - nngp) / nngp).toBeGreaterThan(0.5);
    expect(Number(await svgAttr('[data-chart="msa-curve"] [data-mark="width-now"]', 'data-x'))).toBe(8192);
    await shot('msa-moved');
  });

  it('a browser that cannot start fails the test with its stderr (never a skip)', async () => {
    const fake = join(artifacts, 'broken-chromium.sh');
    writeFileSync(fake, '#!/bin/sh\necho "broken-chromium: cannot start (test stderr)" >&2\nexit 3\n');
    chmodSync(fake, 0o755);
    await expect(launch(fake)).rejects.toThrow(/failed to start[\s\S]*broken-chromium: cannot start \(test stderr\)/);
  });

  it('tabs switch views without a reload, and bad URL values are reported on the page (not as console errors)', async () => {
    await open('?view=kernels&depth=0');
    expect(await page.locator('.note').first().textContent()).toContain('depth must be ≥ 1, got 0');
    await page.locator('nav a[data-view="msa"]').click();
    await settled();
    expect(await page.locator('main').getAttribute('data-view')).toBe('msa');
    expect(new URL(page.url()).searchParams.get('view')).toBe('msa');
    await page.goBack();
    await settled();
    expect(await page.locator('main').getAttribute('data-view')).toBe('kernels');
  });
});
