/**
 * Progress bars on stderr with the elapsed time and an ETA (linear in the fraction done). On a terminal the bar
 * redraws in place; otherwise (CI, pipes) it prints a line at each 25 % step so logs stay short. stdout is never
 * touched, so progress is fine with `--json`; `--quiet` silences it.
 */
export class Progress {
  private last = -1;
  private readonly started = Date.now();
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly quiet = false,
  ) {}

  /** `elapsed 12.3s, ETA 4.1s` (no ETA before anything is done, none once finished). */
  timing(frac: number): string {
    const secs = (Date.now() - this.started) / 1000;
    const eta = frac > 0 && frac < 1 ? ` ETA ${formatSeconds((secs * (1 - frac)) / frac)}` : '';
    return `${formatSeconds(secs)}${eta}`;
  }

  update(done: number, note = ''): void {
    if (this.quiet || this.total <= 0) return;
    const frac = Math.min(1, Math.max(0, done / this.total));
    const pct = Math.floor(frac * 100);
    if (this.tty) {
      if (pct === this.last && done < this.total) return;
      const width = 28;
      const filled = Math.round(frac * width);
      process.stderr.write(
        `\r${this.label.padEnd(34)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${this.timing(frac)} ${note}`
          .slice(0, 120)
          .padEnd(100),
      );
      if (done >= this.total) process.stderr.write('\n');
    } else {
      const step = Math.floor(pct / 25);
      if (step === this.last) return;
      process.stderr.write(`${this.label}: ${pct}% (${this.timing(frac)}${note ? `; ${note}` : ''})\n`);
      this.last = step;
      return;
    }
    this.last = pct;
  }

  done(note = ''): void {
    this.update(this.total, note);
  }
}

/** Seconds for a progress line: `4.2s`, `3m10s`, `2h05m`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}
