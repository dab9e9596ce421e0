// The access report as a PDF a person reads (pdfkit): the heading facts, then one block per access
// (when and what, who, the role's fields, purpose and legal basis), then the notes. Italian or
// English; the standard Helvetica fonts (no font files to ship). The document's metadata (title,
// language, creation date = the report's time) make the same report the same bytes.
import type { AccessReport, ReportLanguage } from './access-report.ts';
import { entryCells, reportFacts, reportNotes, reportTexts } from './access-report.ts';

const PAGE_MARGIN = 50;
const BODY_SIZE = 10;

export async function accessReportPdf(report: AccessReport, lang: ReportLanguage): Promise<Buffer> {
  // Loaded when a PDF is asked for: the other formats need none of it.
  const { default: PDFDocument } = await import('pdfkit');
  const t = reportTexts(lang);
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE_MARGIN,
    lang: lang === 'it' ? 'it-IT' : 'en-GB',
    displayTitle: true,
    info: {
      Title: t.title,
      Subject: t.law,
      Creator: 'quarantine-data-platform',
      Producer: 'quarantine-data-platform',
      CreationDate: report.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(16).text(t.title);
  doc.font('Helvetica').fontSize(BODY_SIZE).text(t.law).moveDown();
  for (const [label, value] of reportFacts(report, lang)) {
    doc.font('Helvetica-Bold').text(`${label}: `, { continued: true });
    doc.font('Helvetica').text(value);
  }
  doc.moveDown();
  if (report.entries.length === 0) doc.text(t.none);
  report.entries.forEach((entry, index) => {
    const c = entryCells(entry, lang);
    doc
      .font('Helvetica-Bold')
      .text(`${index + 1}. ${c.when} · ${c.action}${c.import ? ` · ${t.import} ${c.import}` : ''}`);
    doc.font('Helvetica');
    for (const [label, value] of [
      [t.user, c.user],
      [t.role, c.role],
      [t.organisation, c.organisation],
      [t.fields, c.fields],
      [t.purpose, c.purpose],
      [t.legalBasis, c.legalBasis],
    ] as const) {
      doc.text(`${label}: ${value}`, { indent: 12 });
    }
    doc.moveDown(0.5);
  });
  doc.moveDown().font('Helvetica-Bold').text(t.notes).font('Helvetica');
  for (const note of reportNotes(lang)) doc.text(`– ${note}`);
  doc.end();
  return done;
}
