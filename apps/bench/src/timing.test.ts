import { describe, expect, it } from 'vitest';
import { timeMedian } from './timing';

describe('timeMedian', () => {
  it('runs warm-up + at least `repeats` timed runs and returns their median', async () => {
    let calls = 0;
    const r = await timeMedian(() => { calls++; }, { repeats: 4, minTime: 0 });
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
