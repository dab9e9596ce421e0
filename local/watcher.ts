// The inbox watcher of local mode: the stand-in for the S3 notification. A file is handed over
// only once its size and modification time stayed the same for one whole poll interval, so a file
// still being copied (a partial upload) is never imported; files are handled one at a time.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isDailyFileName } from '../contracts/daily-file.ts';

export const INBOX_POLL_INTERVAL_MS = 1000;

export interface InboxWatcherOptions {
  dir: string;
  onFile: (filePath: string) => Promise<void>;
  onError?: (error: unknown) => void;
  pollIntervalMs?: number;
}

export class InboxWatcher {
  private readonly seen = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: InboxWatcherOptions) {}

  start(): void {
    const interval = this.options.pollIntervalMs ?? INBOX_POLL_INTERVAL_MS;
    const tick = () => {
      this.running = this.poll()
        .catch((error) => this.options.onError?.(error))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, interval);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One look at the inbox: files whose size and mtime did not change since the last look. */
  async poll(): Promise<void> {
    const names = (await readdir(this.options.dir)).filter(
      (name) => isDailyFileName(name) && !name.startsWith('.'),
    );
    const present = new Set<string>();
    for (const name of names.sort()) {
      if (this.stopped) return;
      const filePath = path.join(this.options.dir, name);
      present.add(filePath);
      const info = await stat(filePath).catch(() => undefined);
      if (!info?.isFile()) continue;
      const fingerprint = `${info.size}:${info.mtimeMs}`;
      if (this.seen.get(filePath) !== fingerprint) {
        this.seen.set(filePath, fingerprint);
        continue;
      }
      this.seen.delete(filePath);
      await this.options.onFile(filePath);
    }
    for (const known of this.seen.keys()) if (!present.has(known)) this.seen.delete(known);
  }
}
