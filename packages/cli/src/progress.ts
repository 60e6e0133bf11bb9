import { formatBytes } from './context';

interface Item {
  label: string;
  total: number;
  sent: number;
  state: 'waiting' | 'sending' | 'done' | 'failed' | 'skipped';
}

const BAR_WIDTH = 24;
const bar = (fraction: number) => {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
};

/**
 * A bar per file and one overall, redrawn in place on a terminal (stderr, so stdout keeps only the URLs).
 * Off a terminal it draws nothing: a script reads the results instead.
 */
export class Progress {
  private readonly items: Item[] = [];
  private drawnLines = 0;
  private scheduled = false;

  constructor(private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) {}

  get enabled(): boolean {
    return Boolean(this.stream.isTTY);
  }

  add(label: string, total: number): Item {
    const item: Item = { label, total, sent: 0, state: 'waiting' };
    this.items.push(item);
    this.draw();
    return item;
  }

  update(item: Item, changes: Partial<Item>): void {
    Object.assign(item, changes);
    this.draw();
  }

  private draw(): void {
    if (!this.enabled || this.scheduled) return;
    this.scheduled = true;
    // Redrawn at most once per tick, however many chunks complete in it.
    setImmediate(() => {
      this.scheduled = false;
      this.render();
    });
  }

  render(): void {
    if (!this.enabled) return;
    const width = this.stream.columns ?? 80;
    const total = this.items.reduce((sum, item) => sum + item.total, 0);
    const sent = this.items.reduce(
      (sum, item) => sum + (item.state === 'skipped' ? item.total : item.sent),
      0,
    );
    const finished = this.items.filter((item) => item.state !== 'waiting' && item.state !== 'sending').length;
    const lines = this.items.map((item) => {
      const mark = { waiting: ' ', sending: '>', done: '✓', failed: '✗', skipped: '=' }[item.state];
      return `${mark} ${bar(item.total ? item.sent / item.total : 1)} ${item.label}`.slice(0, width - 1);
    });
    lines.push(
      `  ${bar(total ? sent / total : 1)} ${finished}/${this.items.length} files, ${formatBytes(sent)} of ${formatBytes(total)}`,
    );
    const up = this.drawnLines ? `\x1b[${this.drawnLines}A` : '';
    this.stream.write(`${up}${lines.map((line) => `\x1b[2K${line}`).join('\n')}\n`);
    this.drawnLines = lines.length;
  }
}
