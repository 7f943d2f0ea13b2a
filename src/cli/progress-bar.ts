/**
 * A one-line progress bar on stderr for long CLI work: redrawn in place (at most ten times a
 * second) on a terminal, a plain line every few seconds otherwise (CI logs, pipes).
 */
export class ProgressBar {
  private lastDraw = 0;
  private readonly started = Date.now();
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  /** `done` and `total` in the same unit (bytes of the file); `detail` is appended as is. */
  update(done: number, total: number, detail: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < (this.tty ? 100 : 5000)) return;
    this.lastDraw = now;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const width = 24;
    const filled = Math.round(fraction * width);
    const seconds = (now - this.started) / 1000;
    const eta = fraction > 0 && fraction < 1 ? ` ETA ${formatSeconds((seconds / fraction) * (1 - fraction))}` : '';
    const text = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${detail} ${formatSeconds(seconds)}${eta}`;
    this.out.write(this.tty ? `\r${text}\u001b[K` : `${text}\n`);
  }

  /** Ends the bar's line (a terminal keeps the last drawing). */
  finish(): void {
    if (this.tty) this.out.write('\n');
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
