/**
 * Progress bars on stderr. On a terminal the bar redraws in place; otherwise (CI, pipes) it prints a line at each
 * 25 % step so logs stay short. stdout is never touched.
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

  update(done: number, note = ''): void {
    if (this.quiet || this.total <= 0) return;
    const frac = Math.min(1, Math.max(0, done / this.total));
    const pct = Math.floor(frac * 100);
    if (this.tty) {
      if (pct === this.last && done < this.total) return;
      const width = 28;
      const filled = Math.round(frac * width);
      const secs = ((Date.now() - this.started) / 1000).toFixed(1);
      process.stderr.write(
        `\r${this.label.padEnd(34)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${secs}s ${note}`
          .slice(0, 120)
          .padEnd(100),
      );
      if (done >= this.total) process.stderr.write('\n');
    } else {
      const step = Math.floor(pct / 25);
      if (step === this.last) return;
      process.stderr.write(`${this.label}: ${pct}%${note ? ` (${note})` : ''}\n`);
      this.last = step;
      return;
    }
    this.last = pct;
  }

  done(note = ''): void {
    this.update(this.total, note);
  }
}
