// The notification text of an import: one module writes it, for the console and webhook of local
// mode and for the SNS topics ETL_Success and ETL_Failure in AWS (DESIGN §8). It is built from
// qdp.import_summary(id) and never contains personal data.

export type ImportStatus =
  | 'received'
  | 'duplicate'
  | 'loading'
  | 'loaded'
  | 'published'
  | 'held'
  | 'rejected'
  | 'failed'
  | 'discarded';

/** The JSON returned by qdp.import_summary(id). */
export interface ImportSummary {
  importId: number;
  sourceName: string;
  status: ImportStatus;
  rowsTotal: number | null;
  rowsAccepted: number | null;
  rowsRejected: number | null;
  topRejectReasons: { field: string | null; reason: string; count: number }[];
  inQuarantine: number | null;
  previousImportId: number | null;
  previousInQuarantine: number | null;
  changes: {
    new: number;
    extended: number;
    shortened: number;
    unchanged: number;
    ended: number;
  } | null;
  error: string | null;
  duplicateOf: number | null;
  receivedAt: string;
  finishedAt: string | null;
  durationSeconds: number | null;
}

export type Topic = 'ETL_Success' | 'ETL_Failure';

export interface ImportMessage {
  topic: Topic;
  /** Short subject line (SNS subjects are limited to 100 characters). */
  subject: string;
  text: string;
}

const WHAT_TO_DO: Partial<Record<ImportStatus, (id: number) => string>> = {
  rejected: (id) =>
    `The latest published data is unchanged. Correct the file and upload it again; the rejects report (qdp rejects ${id}) says what is wrong.`,
  held: (id) =>
    `The latest published data is unchanged. Check the rejects report (qdp rejects ${id}), then publish the import (qdp publish ${id}) or discard it (qdp discard ${id}).`,
  failed: () =>
    'The latest published data is unchanged. The import did not complete: check the error, then upload the same file again (it is not treated as a duplicate).',
  duplicate: () =>
    'Nothing changed: the same file was already imported. If the Region meant to send a new file, ask for it.',
};

function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '-' : n.toLocaleString('en-GB');
}

function signed(n: number): string {
  return n > 0 ? `+${count(n)}` : n < 0 ? `-${count(-n)}` : '±0';
}

function duration(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

function rejectLines(summary: ImportSummary): string[] {
  if (!summary.rowsRejected || summary.topRejectReasons.length === 0) return [];
  return [
    'Top reject reasons:',
    ...summary.topRejectReasons.map(
      (r) => `  - ${r.field ? `${r.field}: ` : ''}${r.reason} (${count(r.count)})`,
    ),
  ];
}

export function importMessage(summary: ImportSummary): ImportMessage {
  const id = summary.importId;
  const file = summary.sourceName;
  if (summary.status === 'published') {
    const lines = [
      `Import ${id} of ${file} is published: it is now the latest data.`,
      `Rows read: ${count(summary.rowsTotal)}, accepted: ${count(summary.rowsAccepted)}, rejected: ${count(summary.rowsRejected)}.`,
      ...rejectLines(summary),
    ];
    if (summary.previousImportId !== null && summary.previousInQuarantine !== null) {
      const delta = (summary.inQuarantine ?? 0) - summary.previousInQuarantine;
      lines.push(
        `People in quarantine now: ${count(summary.inQuarantine)} (${signed(delta)} since import ${summary.previousImportId}).`,
      );
    } else {
      lines.push(
        `People in quarantine now: ${count(summary.inQuarantine)} (first published import).`,
      );
    }
    if (summary.changes) {
      const c = summary.changes;
      lines.push(
        `New: ${count(c.new)}, extended: ${count(c.extended)}, shortened: ${count(c.shortened)}, unchanged: ${count(c.unchanged)}, ended: ${count(c.ended)}.`,
      );
    }
    lines.push(`Duration: ${duration(summary.durationSeconds)}.`);
    return {
      topic: 'ETL_Success',
      subject: truncate(`Import ${id} published: ${count(summary.inQuarantine)} in quarantine`),
      text: lines.join('\n'),
    };
  }
  const headline: Record<string, string> = {
    duplicate: `Import ${id} of ${file} is a duplicate of import ${summary.duplicateOf ?? '-'}: nothing changed.`,
    rejected: `Import ${id} of ${file} was rejected.`,
    held: `Import ${id} of ${file} is held for an administrator.`,
    failed: `Import ${id} of ${file} failed.`,
    discarded: `Import ${id} of ${file} was discarded.`,
  };
  const lines = [headline[summary.status] ?? `Import ${id} of ${file} is ${summary.status}.`];
  if (summary.error) lines.push(`Reason: ${summary.error}`);
  if (summary.rowsTotal !== null && summary.status !== 'duplicate') {
    lines.push(
      `Rows read: ${count(summary.rowsTotal)}, accepted: ${count(summary.rowsAccepted)}, rejected: ${count(summary.rowsRejected)}.`,
    );
  }
  lines.push(...rejectLines(summary));
  const todo = WHAT_TO_DO[summary.status];
  if (todo) lines.push(`What to do: ${todo(id)}`);
  return {
    topic: 'ETL_Failure',
    subject: truncate(`Import ${id} ${summary.status}: ${file}`),
    text: lines.join('\n'),
  };
}

function truncate(subject: string): string {
  return subject.length <= 100 ? subject : `${subject.slice(0, 99)}…`;
}
