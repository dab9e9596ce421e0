// Reads a PDF back as a person's PDF reader would see its text (pdfjs-dist, Mozilla's reader):
// each page's text with its line ends, and the document's metadata, so tests check a PDF's
// content exactly.
import { createRequire } from 'node:module';
import path from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const STANDARD_FONTS = `${path.join(
  path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')),
  'standard_fonts',
)}/`;

export interface PdfText {
  pages: string[];
  info: Record<string, unknown>;
  /** The document's natural language (the catalog's /Lang). */
  language: string | null;
}

export async function readPdfText(bytes: Uint8Array): Promise<PdfText> {
  const loading = getDocument({
    data: new Uint8Array(bytes),
    standardFontDataUrl: STANDARD_FONTS,
    verbosity: 0,
  });
  const doc = await loading.promise;
  try {
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n += 1) {
      const content = await (await doc.getPage(n)).getTextContent();
      pages.push(
        content.items
          .map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : ''))
          .join(''),
      );
    }
    const meta = await doc.getMetadata();
    return {
      pages,
      info: meta.info as Record<string, unknown>,
      language: (meta.info as { Language?: string }).Language ?? null,
    };
  } finally {
    await loading.destroy();
  }
}
