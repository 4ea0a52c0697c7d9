/** Options of {@link timeMedian}. */
export interface TimeMedianOptions {
  /** Minimum number of timed runs (default 5). */
  repeats?: number;
  /** Keep running (beyond `repeats`) until the timed runs add up to at least this many seconds (default 0.5). */
  minTime?: number;
  /** Stop adding runs once they add up to this many seconds, even below `repeats` (default 30; at least one run). */
  maxTime?: number;
  /** Upper bound on the number of timed runs (default 50). */
  maxRepeats?: number;
  /**
   * Untimed warm-up runs first (default 1). A warm-up that takes longer than 2 s is kept as a sample instead of
   * being repeated, since JIT warm-up is negligible at that scale.
   */
  warmup?: number;
  /**
   * timeInterleaved and timeRounds only: seconds to sleep before each run (default 0). BLAS libraries keep their worker threads
   * spinning for a while after a call (OpenBLAS: about 0.1 s); a gap lets one side's workers go to sleep before the
   * other side is timed, so neither is charged for the other's spinning.
   */
  gap?: number;
}

export interface TimeMedianResult {
  /** Median wall time of the timed runs, in seconds. */
  seconds: number;
  /** Every timed run (wall time), in seconds, in order. */
  samples: number[];
  /**
   * Median process CPU time (user + system, all threads) of the timed runs, in seconds. On a shared, loaded
   * machine this is a steadier figure for single-threaded code than wall time.
   */
  cpuSeconds: number;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
/** Median of a non-empty sample. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : 0.5 * (s[mid - 1]! + s[mid]!);
}

/**
 * Median wall-clock time of `fn` (sync or async), after warm-up. Use for every benchmark so suites report the same
 * statistic: at least `repeats` runs and `minTime` seconds in total, capped by `maxTime` and `maxRepeats`.
 *
 * @example
 * ```ts
 * const { seconds } = await timeMedian(() => backend.matmul(a, b), { repeats: 5, minTime: 1 });
 * ```
 */
export async function timeMedian(fn: () => unknown, options: TimeMedianOptions = {}): Promise<TimeMedianResult> {
  const repeats = Math.max(1, options.repeats ?? 5);
  const minTime = options.minTime ?? 0.5;
  const maxTime = options.maxTime ?? 30;
  const maxRepeats = Math.max(1, options.maxRepeats ?? 50);
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let w = 0; w < (options.warmup ?? 1); w++) {
    const t0 = now(),
      c0 = cpuNow();
    await fn();
    const dt = now() - t0;
    if (dt > 2) {
      samples.push(dt);
      cpu.push(cpuNow() - c0);
      break;
    }
  }
  let total = samples.reduce((s, x) => s + x, 0);
  while (samples.length < maxRepeats && (samples.length < repeats || total < minTime)) {
    if (samples.length >= 1 && total >= maxTime) break;
    const t0 = now(),
      c0 = cpuNow();
    await fn();
    const dt = now() - t0;
    cpu.push(cpuNow() - c0);
    samples.push(dt);
    total += dt;
  }
  return { seconds: median(samples), samples, cpuSeconds: median(cpu) };
}

/** One timed run of the partner in {@link timeInterleaved} (it times itself, e.g. in another process). */
export interface PartnerSample {
  seconds: number;
  cpuSeconds: number;
}

/**
 * One side of {@link timeRounds}: either code timed here (`run`, wall and process CPU time around the call) or a
 * partner that times itself (`time`, e.g. a request to a baseline in another process).
 */
export type Contestant = { run: () => unknown } | { time: () => Promise<PartnerSample> };

/**
 * Times several contestants in round-robin — one run of each per round, in the given order, after one warm-up round —
 * and returns each one's median. On a shared machine whose load changes over seconds, rounds keep every side of a
 * ratio under the same conditions; timing one side fully and then the next does not. The stopping rule is that of
 * {@link timeMedian}, applied to the first contestant's runs; the others get as many runs.
 *
 * @example
 * ```ts
 * const [own, torch, gemm] = await timeRounds([{ run: () => sampler.advance(t += 10) }, { time: () => torch.time('batched', 1, 10) }, { run: gemms }]);
 * ```
 */
export async function timeRounds(
  contestants: readonly Contestant[],
  options: TimeMedianOptions = {},
): Promise<TimeMedianResult[]> {
  const repeats = Math.max(1, options.repeats ?? 5);
  const minTime = options.minTime ?? 0.5;
  const maxTime = options.maxTime ?? 30;
  const maxRepeats = Math.max(1, options.maxRepeats ?? 50);
  const gapMs = Math.max(0, options.gap ?? 0) * 1000;
  const pause = () => (gapMs > 0 ? new Promise<void>((res) => setTimeout(res, gapMs)) : Promise.resolve());
  const one = async (c: Contestant): Promise<PartnerSample> => {
    await pause();
    if ('time' in c) return c.time();
    const t0 = now(),
      c0 = cpuNow();
    await c.run();
    return { seconds: now() - t0, cpuSeconds: cpuNow() - c0 };
  };
  const wall = contestants.map((): number[] => []),
    cpu = contestants.map((): number[] => []);
  for (let w = 0; w < (options.warmup ?? 1); w++) for (const c of contestants) await one(c);
  let total = 0;
  while (wall[0]!.length < maxRepeats && (wall[0]!.length < repeats || total < minTime)) {
    if (wall[0]!.length >= 1 && total >= maxTime) break;
    for (let i = 0; i < contestants.length; i++) {
      const r = await one(contestants[i]!);
      wall[i]!.push(r.seconds);
      cpu[i]!.push(r.cpuSeconds);
      if (i === 0) total += r.seconds;
    }
  }
  return wall.map((samples, i) => ({ seconds: median(samples), samples, cpuSeconds: median(cpu[i]!) }));
}

/**
 * Times `fn` and a baseline `partner` in alternation — one run of each per round, after one warm-up of each —
 * and returns both medians ({@link timeRounds} with two contestants). The stopping rule is that of
 * {@link timeMedian}, applied to `fn`'s runs; the partner gets as many runs.
 *
 * @example
 * ```ts
 * const { own, partner } = await timeInterleaved(() => backend.matmul(a, b), () => numpy.time('matmul', 2000));
 * const ratio = own.seconds / partner.seconds;
 * ```
 */
export async function timeInterleaved(
  fn: () => unknown,
  partner: () => Promise<PartnerSample>,
  options: TimeMedianOptions = {},
): Promise<{ own: TimeMedianResult; partner: TimeMedianResult }> {
  const [own, other] = await timeRounds([{ run: fn }, { time: partner }], options);
  return { own: own!, partner: other! };
}
