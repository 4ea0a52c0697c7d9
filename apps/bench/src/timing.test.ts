import { describe, expect, it } from 'vitest';
import { timeInterleaved, timeMedian, timeRounds } from './timing';

describe('timeMedian', () => {
  it('runs warm-up + at least `repeats` timed runs and returns their median', async () => {
    let calls = 0;
    const r = await timeMedian(
      () => {
        calls++;
      },
      { repeats: 4, minTime: 0 },
    );
    expect(r.samples).toHaveLength(4);
    expect(calls).toBe(5);
    const s = [...r.samples].sort((a, b) => a - b);
    expect(r.seconds).toBe((s[1]! + s[2]!) / 2);
  });
  it('keeps going until minTime, capped by maxRepeats; stops at maxTime after one run', async () => {
    const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
    const r = await timeMedian(() => sleep(5), { repeats: 1, minTime: 0.03, maxRepeats: 100 });
    expect(r.samples.length).toBeGreaterThan(2);
    expect(r.seconds).toBeGreaterThanOrEqual(0.004);
    const capped = await timeMedian(() => sleep(20), { repeats: 10, minTime: 0, maxTime: 0.01, warmup: 0 });
    expect(capped.samples).toHaveLength(1);
  });
});

describe('timeInterleaved', () => {
  it('alternates one run of each side (after one warm-up of each) and returns both medians', async () => {
    const calls: string[] = [];
    const partnerTimes = [9, 1, 5, 3, 7]; // first is the warm-up
    let i = 0;
    const r = await timeInterleaved(
      () => {
        calls.push('own');
      },
      async () => {
        calls.push('partner');
        return { seconds: partnerTimes[i++]!, cpuSeconds: 2 * partnerTimes[i - 1]! };
      },
      { repeats: 4, minTime: 0 },
    );
    expect(calls).toEqual(['own', 'partner', 'own', 'partner', 'own', 'partner', 'own', 'partner', 'own', 'partner']);
    expect(r.own.samples).toHaveLength(4);
    expect(r.partner.samples).toEqual([1, 5, 3, 7]);
    expect(r.partner.seconds).toBe(4); // median of 1, 3, 5, 7
    expect(r.partner.cpuSeconds).toBe(8);
  });
  it('waits `gap` seconds before each run', async () => {
    const stamps: number[] = [];
    const t0 = Date.now();
    await timeInterleaved(
      () => {
        stamps.push(Date.now() - t0);
      },
      async () => {
        stamps.push(Date.now() - t0);
        return { seconds: 0, cpuSeconds: 0 };
      },
      { repeats: 1, minTime: 0, warmup: 0, gap: 0.03 },
    );
    expect(stamps).toHaveLength(2);
    expect(stamps[1]! - stamps[0]!).toBeGreaterThanOrEqual(25);
  });
});

describe('timeRounds', () => {
  it('runs one warm-up round, then rounds of every contestant in order; medians per contestant, the stopping rule on the first', async () => {
    const calls: string[] = [];
    const b = [7, 1, 9, 3]; // first is the warm-up
    let i = 0;
    const r = await timeRounds(
      [
        {
          run: () => {
            calls.push('a');
          },
        },
        {
          time: async () => {
            calls.push('b');
            const s = b[i++]!;
            return { seconds: s, cpuSeconds: s / 2 };
          },
        },
        {
          run: async () => {
            calls.push('c');
          },
        },
      ],
      { repeats: 3, minTime: 0, maxRepeats: 3 },
    );
    expect(calls).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);
    expect(r).toHaveLength(3);
    expect(r.map((x) => x.samples.length)).toEqual([3, 3, 3]);
    expect(r[1]!.samples).toEqual([1, 9, 3]);
    expect(r[1]!.seconds).toBe(3);
    expect(r[1]!.cpuSeconds).toBe(1.5);
  });
});
