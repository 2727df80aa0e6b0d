/**
 * What a pass has done so far. On a terminal it redraws one status line (files, bytes,
 * rate, what remains); elsewhere the mirror writes log lines only.
 */
export class Progress {
  filesTotal = 0;
  filesDone = 0;
  bytesTotal = 0;
  bytesDone = 0;
  parked = 0;
  private started = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly terminal: NodeJS.WriteStream | null) {}

  start(): void {
    this.started = Date.now();
    if (this.terminal) this.timer = setInterval(() => this.draw(), 200).unref();
  }

  plan(files: number, bytes: number): void {
    this.filesTotal += files;
    this.bytesTotal += bytes;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.terminal) {
      this.draw();
      this.terminal.write('\n');
    }
  }

  /** Bytes per second since the pass started. */
  rate(): number {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    return this.bytesDone / seconds;
  }

  line(): string {
    const rate = this.rate();
    const remaining = Math.max(this.bytesTotal - this.bytesDone, 0);
    const eta = rate > 0 && remaining > 0 ? ` · ~${Math.ceil(remaining / rate)} s left` : '';
    const parked = this.parked > 0 ? ` · ${this.parked} parked` : '';
    return (
      `files ${this.filesDone}/${this.filesTotal} · ` +
      `${megabytes(this.bytesDone)}/${megabytes(this.bytesTotal)} · ${megabytes(rate)}/s${eta}${parked}`
    );
  }

  private draw(): void {
    this.terminal?.write(`\r\x1b[2K${this.line()}`);
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
