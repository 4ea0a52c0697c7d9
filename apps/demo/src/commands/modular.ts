import { UsageError } from '@sftdl/cli-kit';
import { planSweep } from '@sftdl/sweep';
import type { Command } from '../context';
import { registry } from '../experiments/index';
import { modularFullPlan } from '../experiments/modular';
import { emitPlan } from './sweep';
import { SCENARIO_OUTPUT, partFlags, readPartContext, withBackend } from '../tour/cli';
import { modularLangevinDefaults, runModularPart } from '../tour/modular';
import { WIDTH_SWEEP_POINTS, type WidthSweepPoint } from '../tour/modular-width';
import { DEFAULT_SCREENED_CLOSURE, type ScreenedClosure } from '../tour/modular-langevin';
import { nextPrime, secondPrimeWidth } from '../tour/modular-prime';
import { isPrime } from '@sftdl/teachers';
import { runParts } from '../tour/run';

export const command: Command = {
  name: 'modular',
  summary: 'scenario: modular-addition discrepancy curve with GMFL-I/II onsets (paper Fig. 3b; theory at paper size)',
  usage: [
    "demo modular [--full] [--points m] [--prime P] [--width N] [--gamma g] [--chains C] [--max-steps S] [--widths N1,N2,…] [--sweeps gfl,gmfl1-mid,gmfl2] [--second-prime P'] [--screened-sweeps] [--method lm|mala] [--environment-check] [--cavity-check] [--screened-coupling linear|exact] [--screened-discrepancy second-order|deterministic-equivalent] [--json]   (--full: 401 σ² points; the theory is already at the paper's P = 401, N = 1000)",
    'demo modular --full --plan-sweep DIR [--prime P] [--width N] [--gamma g] [--steps S] [--seed s] [--json]: the network side at P = 47 (N = 64, γ = 30) as a sweep plan — 8 σ² across GFL/GMFL-I/GMFL-II × 4 seeds, 4 chains × 200 000 steps each, checkpointed, with its cost estimate; run it with `demo sweep run|submit DIR`, then `demo report --from DIR`',
    '  langevin: { prime, width, sigmaA2, gamma, method, screenedCoupling, screenedDiscrepancy (the screened theory’s closure: --screened-coupling, --screened-discrepancy), mapping, runs: [{ sigma2, a, aStdError, rhat, ess, phase, theoryA (finite-P theory), theoryASaddle, deviationSe, theoryFiniteN (finite-N theory: readout integrated exactly, cavity action), theoryFiniteNSe, deviationSeFiniteN, withinThreeSeFiniteN, theoryReweighted (the cavity law reweighted to the exact read-in posterior: the network’s |a| by importance sampling), theoryReweightedSe, reweightEss, theoryIndependent, reweightUsable (Kish ESS ≥ 100), deviationSeReweighted and withinThreeSeReweighted (only when usable; all absent where the reweighting did not run), theoryLogDet, theoryScreened (the screened cavity theory: the cavity action plus the other neurons’ Gaussian response, closed as --screened-coupling and --screened-discrepancy say; at the scenario’s three σ² and in the GMFL-II sweep, with --screened-sweeps also in the GFL and GMFL-I sweeps), theoryScreenedSe, deviationSeScreened, withinThreeSeScreened, w2v2TheoryScreened, fluctuationScreened (its ⟨a⟩ − a(Q)), screening, theoryLaplace (GMFL-II only: the screened theory with the environment’s Laplace response, continued from the screened solution), theoryLaplaceSe, deviationSeLaplace, withinThreeSeLaplace, w2v2TheoryLaplace, withinBracket (the network between the second-order and the Laplace response, within 3 SE), environment (with --environment-check, at every σ² point: the network’s own kernel statistics against the Gaussian environment — aMeanKernel, fluctuationNetwork, fluctuationNetworkCovariance, fluctuationRpa, fluctuationGaussian, parts, series: { terms, partialSums, aExact, aExactSe, aIndependent (N distinct neurons drawn from all states: the exact single-neuron marginal without correlations), aIndependentSe, aDeterministicEquivalent (the same by the self-consistent resolvent of independent neurons), aScreenedDeterministicEquivalent (that resolvent with each neuron’s self-interaction screened by the network’s variance of each kernel entry relative to independent neurons), screeningTargetRows (that ratio’s mean over the target modes’ rows), states, spectralRadiusMean, spectralRadiusMax, divergentFraction } (a(K) expanded about the mean kernel, term by term over the network’s states; the expansion diverges in a state where the spectral radius of G^½δG^½ is ≥ 1), theoryNetworkCovariance, occupationNetworkCovariance: that theory’s mode occupation, as in occupation), cavityLaw (with --cavity-check, at every σ² point: the (N − 1)-neuron network at the same σ², ε = σ_a²/N and γ as the exact environment of one neuron — environmentWidth, environmentSigmaA2, environmentA, environmentAStdError, environmentRhat, environmentStates, neurons, w2v2 (the N-network’s ⟨|w_k|²|v_k|²⟩: the exact cavity law’s), closures: [{ name: cavity|kernel-linear|kernel-linear-shifted|resolvent-linear|mean-d|mean-d-kernel-linear|mean-d-resolvent-linear|cumulant-2, w2v2, relative (the closure’s law against the exact one, +: too deep), relativeSe (samples and environments), relativeSeEnvironments (a jackknife over the environment states), ess, rmsLogWeight }], meanShift, meanShiftSecondOrder (medians of E_e[D] − D(Q̄) and ½E_e[δK·D″·δK]), reactionSensitivity (the change of mean-d-resolvent-linear’s relative per 10 % of its variance term), seconds), occupation (where the mode action has a barrier: the (neuron, mode pair) pairs beyond it on both axes — alignedPairs, alignedPairsSe, alignedPairsTheory (the finite-P aligned mass), allPairsAligned, allPairsIndependent, depth, neuronsByPairs (fraction of neurons with n = 0…(P−1)/2 aligned pairs), depthByPairs (their aligned pairs’ depth; 0 where a class is empty), and where the screened theory ran the same counts of its single-neuron law: alignedPairsScreened, allPairsAlignedScreened, depthScreened, neuronsByPairsScreened, depthByPairsScreened, and …Laplace), w2v2, w2v2Theory, w2v2PerMode, starts: [{ start: prior|aligned, a, aStdError, rhat }], startsAgree, equilibrated, … }], theoryFiniteP, theoryFiniteN, finiteWidth, finiteWidthGfl, finiteWidthGmfl2: { prime, gamma, point, points, fits }, secondPrime (with --second-prime, by default at P = 11, N = 32: the network at a second, larger prime P′ on the theory’s scaling N′ = round(N·(P′/P)⁴), σ_a² from the same mapping) — { prime, width, sigmaA2, gamma, firstPrime, firstWidth, beta, scaling, modesPerNeuron ((P′ − 1)/N′), modesPerNeuronFirstPrime, widthSameModesPerNeuron (the first prime’s width with the second’s (P − 1)/N), points: [{ sigma2, phase, a, aStdError, rhat, ess, equilibrated, startsAgree, steps, theoryA (finite-P theory at P′), gap, theoryFiniteN, theoryFiniteNSe, aFirstPrime, aStdErrorFirstPrime, gapFirstPrime, gapRatio, gapShrinks (|gap| below the first prime’s by > 3 combined SE), gapSameModesPerNeuron (the first prime’s width sweep at the same (P − 1)/N, linear in 1/N; null without a bracketing sweep), relativeToSameModesPerNeuron }], gapShrinksEverywhere } } — the square-activation network on the full P² table (default P = 11, N = 32, γ = 30; half the chains start from the prior, half Fourier-aligned; at most --max-steps per σ² point, deterministic) vs the theory at the same P, N, σ_a², γ; finiteWidth, finiteWidthGfl, finiteWidthGmfl2: the network at --widths (default 16,32,64) at the GMFL-I midpoint, in GFL (1.15σ²_I) and in GMFL-II (0.95σ²_II) of each width, against the finite-P (N → ∞) and the finite-N theories, the gap extrapolated to N → ∞',
  ],
  flags: [
    ...partFlags({ allowFull: true }),
    {
      name: 'points',
      type: 'integer',
      defaultText: '61 (401 with --full)',
      description: 'σ² points of the theory curve, 3…100000',
    },
    { name: 'prime', type: 'integer', defaultText: '11', description: 'modulus P of the Langevin network, 3…101' },
    { name: 'width', type: 'integer', defaultText: '32', description: 'width N of the Langevin network, 2…4096' },
    { name: 'gamma', type: 'number', defaultText: '30', description: 'output scaling γ of the Langevin network' },
    {
      name: 'chains',
      type: 'integer',
      defaultText: '8 (4 in the tour)',
      description: 'Langevin chains per σ² point, 2…64',
    },
    {
      name: 'max-steps',
      type: 'integer',
      defaultText: '40000 (5000 in the tour)',
      description:
        'cap on the Langevin steps per σ² point (each point stops at the first check with R̂ ≤ 1.03 and ESS ≥ 150), ≥ 100',
    },
    {
      name: 'widths',
      type: 'list',
      placeholder: '<n,…>',
      defaultText: '16,32,64',
      description: 'widths of the finite-width sweeps (GFL, GMFL-I midpoint, GMFL-II)',
    },
    {
      name: 'sweeps',
      type: 'list',
      choices: [...WIDTH_SWEEP_POINTS],
      placeholder: '<gfl,gmfl1-mid,gmfl2>',
      defaultText: 'all three',
      description:
        'which finite-width sweeps run at --widths: GFL (1.15σ²_I), the GMFL-I midpoint, GMFL-II (0.95σ²_II); e.g. --widths 256 --sweeps gmfl2 runs one large-N point',
    },
    {
      name: 'second-prime',
      type: 'integer',
      placeholder: '<n>',
      defaultText: '13 with the default P = 11, N = 32; none when --prime, --width or --widths is given',
      description:
        "also run the network at a second, larger prime P' on the theory's scaling (N → β²N, P → √β·P: N' = round(N·(P'/P)⁴)) at the same three points of the phase diagram, and compare its gap to the finite-P theory with the first prime's (JSON langevin.secondPrime; ≈ 16 min at P' = 13, N' = 62); 0: none",
    },
    {
      name: 'screened-sweeps',
      type: 'switch',
      description:
        'also solve the screened cavity theory at every width of the GFL and GMFL-I midpoint sweeps (≈ 3–5 min a point; the run’s three σ² points and the GMFL-II sweep always have it)',
    },
    {
      name: 'environment-check',
      type: 'switch',
      description:
        'at every σ² point: measure the network’s own kernel covariance and check the screened theory’s Gaussian environment against it (JSON runs[].environment; ≈ 10 min more a point at P = 11)',
    },
    {
      name: 'cavity-check',
      type: 'switch',
      description:
        'at every σ² point: also run the (N − 1)-neuron network at the same σ², ε = σ_a²/N and γ, and check the environment closures against the exact cavity law over its states (JSON runs[].cavityLaw; about doubles the Langevin time, plus 0.5–2 min a point)',
    },
    {
      name: 'screened-coupling',
      type: 'string',
      placeholder: '<linear|exact>',
      defaultText: 'linear',
      description:
        'how the screened theory’s environment responds: linear (the RPA, C(1 + HC)⁻¹) or exact (each neuron’s Sherman–Morrison coupling, which saturates)',
    },
    {
      name: 'screened-discrepancy',
      type: 'string',
      placeholder: '<second-order|deterministic-equivalent>',
      defaultText: 'second-order',
      description:
        'how the screened theory takes ⟨a(K)⟩: second-order (about the mean kernel) or deterministic-equivalent (the screened resolvent of N neurons, not an expansion)',
    },
    {
      name: 'langevin-seconds',
      type: 'number',
      placeholder: '<seconds>',
      hidden: true,
      description: 'removed: the ensembles have deterministic budgets (exits 2 naming --max-steps)',
    },
    {
      name: 'method',
      type: 'string',
      placeholder: '<lm|mala>',
      defaultText: 'lm',
      description:
        'Langevin integrator of the network: lm (Leimkuhler–Matthews) or mala (Metropolis-adjusted, exact at any step)',
    },
    { name: 'steps', type: 'integer', description: 'with --full --plan-sweep: steps per task, ≥ 100' },
    {
      name: 'plan-sweep',
      type: 'string',
      placeholder: '<dir>',
      description: 'with --full: write the network side as a sweep plan in this folder instead of running it',
    },
  ],
  output: SCENARIO_OUTPUT,
  async run(ctx) {
    const planDir = ctx.flags.string('plan-sweep');
    const pf = readPartContext(ctx, { allowFull: true });
    const points = ctx.flags.number('points', {
      integer: true,
      min: 3,
      max: 100000,
      default: pf.full ? 401 : pf.quick ? 21 : 61,
    });
    const d = modularLangevinDefaults(pf.quick ? 'quick' : 'scenario');
    const methodFlag = ctx.flags.string('method');
    if (methodFlag !== undefined && methodFlag !== 'lm' && methodFlag !== 'mala')
      throw new UsageError(`--method must be lm or mala, got ${methodFlag}`);
    const method: 'lm' | 'mala' | undefined = methodFlag;
    const sweepsFlag = ctx.flags.stringList('sweeps', WIDTH_SWEEP_POINTS) as WidthSweepPoint[] | undefined;
    const couplingFlag = ctx.flags.string('screened-coupling');
    if (couplingFlag !== undefined && couplingFlag !== 'linear' && couplingFlag !== 'exact')
      throw new UsageError(`--screened-coupling must be linear or exact, got ${couplingFlag}`);
    const discrepancyFlag = ctx.flags.string('screened-discrepancy');
    if (discrepancyFlag !== undefined && discrepancyFlag !== 'second-order' && discrepancyFlag !== 'deterministic-equivalent')
      throw new UsageError(`--screened-discrepancy must be second-order or deterministic-equivalent, got ${discrepancyFlag}`);
    const coupling: ScreenedClosure['coupling'] | undefined = couplingFlag;
    const discrepancy: ScreenedClosure['discrepancy'] | undefined = discrepancyFlag;
    const closureGiven = coupling !== undefined || discrepancy !== undefined;
    const langevin = {
      prime: ctx.flags.number('prime', { integer: true, min: 3, max: 101, default: d.prime }),
      width: ctx.flags.number('width', { integer: true, min: 2, max: 4096, default: d.width }),
      gamma: ctx.flags.number('gamma', { positive: true, default: d.gamma }),
      chains: ctx.flags.number('chains', { integer: true, min: 2, max: 64, default: d.chains }),
      maxSteps: ctx.flags.number('max-steps', { integer: true, min: 100, default: d.maxSteps }),
      burnIn: d.burnIn,
      ...(d.widths ? { widths: ctx.flags.numberList('widths', { positive: true }) ?? d.widths } : {}),
      ...(method !== undefined ? { method } : {}),
      ...(ctx.flags.bool('screened-sweeps') ? { screenedSweeps: true } : {}),
      ...(sweepsFlag ? { sweeps: sweepsFlag } : {}),
      ...(ctx.flags.bool('environment-check') ? { environmentCheck: true } : {}),
      ...(ctx.flags.bool('cavity-check') ? { cavityCheck: true } : {}),
      ...(closureGiven
        ? {
            screenedClosure: {
              ...DEFAULT_SCREENED_CLOSURE,
              ...(coupling !== undefined ? { coupling } : {}),
              ...(discrepancy !== undefined ? { discrepancy } : {}),
            },
          }
        : {}),
    };
    if (ctx.flags.has('langevin-seconds'))
      throw new UsageError(
        '--langevin-seconds is gone: the modular ensembles have deterministic budgets (use --max-steps S to cap the steps per σ² point)',
      );
    if (langevin.cavityCheck && langevin.prime > 23)
      throw new UsageError('--cavity-check needs --prime ≤ 23 (the kernel moments are P² × P² blocks per momentum)');
    if (langevin.widths && langevin.widths.some((w) => !Number.isInteger(w) || w < 2 || w > 4096))
      throw new UsageError('--widths needs integer widths in [2, 4096], e.g. --widths 32,64,128');
    const secondPrimeFlag = ctx.flags.number('second-prime', { integer: true, min: 0, max: 101 });
    const secondPrime =
      secondPrimeFlag !== undefined
        ? secondPrimeFlag
        : d.widths && !ctx.flags.has('prime') && !ctx.flags.has('width') && !ctx.flags.has('widths')
          ? nextPrime(langevin.prime)
          : 0;
    if (secondPrime !== 0) {
      if (!d.widths) throw new UsageError('--second-prime applies to the scenario run (`demo modular` without --quick)');
      if (!isPrime(secondPrime) || secondPrime <= langevin.prime)
        throw new UsageError(
          `--second-prime needs a prime above --prime ${langevin.prime} (e.g. ${nextPrime(langevin.prime)}), got ${secondPrime}`,
        );
      const w2 = secondPrimeWidth(langevin.prime, langevin.width, secondPrime);
      if (w2 > 4096)
        throw new UsageError(
          `--second-prime ${secondPrime}: the theory's scaling gives N' = N·(P'/P)⁴ = ${w2} > 4096; choose a smaller prime`,
        );
    }
    if (langevin.burnIn >= langevin.maxSteps)
      throw new UsageError(`--max-steps ${langevin.maxSteps} must exceed the burn-in of ${langevin.burnIn} steps`);
    const steps = ctx.flags.number('steps', { integer: true, min: 100 });
    ctx.flags.assertAllUsed();
    if (planDir !== undefined) {
      if (!pf.full) throw new UsageError('--plan-sweep plans the paper-size run; add --full');
      if (method !== undefined) throw new UsageError('--method applies to the scenario run; the sweep tasks use lm');
      if (langevin.environmentCheck) throw new UsageError('--environment-check applies to the scenario run, not to --plan-sweep');
      if (langevin.cavityCheck) throw new UsageError('--cavity-check applies to the scenario run, not to --plan-sweep');
      if (closureGiven)
        throw new UsageError(
          `--${coupling !== undefined ? 'screened-coupling' : 'screened-discrepancy'} applies to the scenario run's screened theory, not to --plan-sweep`,
        );
      if (secondPrimeFlag !== undefined && secondPrimeFlag !== 0)
        throw new UsageError('--second-prime applies to the scenario run, not to --plan-sweep');
      if (langevin.screenedSweeps || langevin.sweeps)
        throw new UsageError(
          `--${langevin.sweeps ? 'sweeps' : 'screened-sweeps'} applies to the scenario run (its width sweeps), not to --plan-sweep`,
        );
      const plan = modularFullPlan({
        ...(ctx.flags.has('prime') ? { prime: langevin.prime } : {}),
        ...(ctx.flags.has('width') ? { width: langevin.width } : {}),
        ...(ctx.flags.has('gamma') ? { gamma: langevin.gamma } : {}),
        ...(steps !== undefined ? { steps } : {}),
      });
      emitPlan(ctx, planSweep(registry, planDir, { experiment: 'modular-point', ...plan, rootSeed: pf.seed }));
      return;
    }
    if (steps !== undefined)
      throw new UsageError(
        '--steps sets the per-task steps of --full --plan-sweep; the scenario run caps its steps with --max-steps',
      );
    const pc = await withBackend(pf);
    await runParts(ctx, {
      title: 'sftdl scenario: modular addition',
      reportName: `report-modular${pc.full ? '-full' : ''}.html`,
      mode: pc.full ? 'full' : 'tour size',
      backend: `${pc.backend.name} (${pc.backend.precision})`,
      parts: [() => runModularPart(pc, { points, langevin: { ...langevin, ...(secondPrime ? { secondPrime } : {}) } })],
    });
  },
};
