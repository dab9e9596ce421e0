import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InboxWatcher } from '../../local/watcher.ts';

describe('inbox watcher', () => {
  it('hands over a daily file only once it stopped changing, and ignores other files', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qdp-inbox-'));
    const handed: string[] = [];
    const watcher = new InboxWatcher({
      dir,
      onFile: async (file) => {
        handed.push(path.basename(file));
        renameSync(file, `${file}.done`);
      },
    });
    writeFileSync(path.join(dir, 'day1.csv'), 'CODICE_FISCALE;');
    writeFileSync(path.join(dir, 'notes.txt'), 'not a daily file');
    writeFileSync(path.join(dir, '.day2.csv'), 'hidden: an upload in progress');
    await watcher.poll(); // first sight: remembered, not handed over
    expect(handed).toEqual([]);
    appendFileSync(path.join(dir, 'day1.csv'), 'COGNOME\n'); // still being written
    await watcher.poll();
    expect(handed).toEqual([]);
    await watcher.poll(); // unchanged for a whole interval
    expect(handed).toEqual(['day1.csv']);
    await watcher.poll();
    expect(handed).toEqual(['day1.csv']);
  });
});
