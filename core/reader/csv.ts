// Streaming .csv reader. A hand-written parser, because it must report each record's physical
// starting line (embedded newlines move it) and parse once, fast: a line without a quote is cut
// with String.split, only lines holding a quote go through the quoted-field scanner.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { TextDecoder } from 'node:util';
import {
  FileRejectedError,
  READ_CHUNK_BYTES,
  type DailyFile,
  type InspectedFile,
  type Row,
} from './types.ts';
import { FIELDS, type FileLimits, headerProblem, mapHeader } from '../../contracts/daily-file.ts';

const QUOTE = 34;
const LF = 10;
const CR = 13;

async function* decodedChunks(
  filePath: string,
  encoding: 'utf-8' | 'windows-1252',
): AsyncGenerator<string> {
  // A UTF-8 BOM is dropped even when the rest of the file is Windows-1252. StringDecoder is the
  // faster UTF-8 decoder (the bytes were already checked strictly by inspectFile).
  const decoder =
    encoding === 'utf-8'
      ? new StringDecoder('utf8')
      : new TextDecoder(encoding, { ignoreBOM: true });
  let first = true;
  for await (const chunk of createReadStream(filePath, { highWaterMark: READ_CHUNK_BYTES })) {
    let bytes = chunk as Buffer;
    if (first) {
      first = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    const text =
      decoder instanceof StringDecoder
        ? decoder.write(bytes)
        : decoder.decode(bytes, { stream: true });
    if (text) yield text;
  }
  const tail = decoder instanceof StringDecoder ? decoder.end() : decoder.decode();
  if (tail) yield tail;
}

/** The delimiter of the header line: the more frequent of ';' and ','. */
export function sniffDelimiter(headerLine: string): ';' | ',' {
  const semicolons = headerLine.split(';').length - 1;
  const commas = headerLine.split(',').length - 1;
  return semicolons > commas ? ';' : ',';
}

/** `plain`: the record is an unquoted line free of backslash, tab, lone CR and NUL. */
type Emit = (lineNo: number, fields: string[], plain: boolean) => void;

// Checked once per decoded chunk, not per value: most files hold none of these.
const COPY_SPECIAL = /[\\\t\0]|\r(?!\n)/;

/** Incremental CSV record parser over decoded text. */
export class CsvParser {
  private buf = '';
  private pos = 0;
  private nextQuote = -1;
  /** The buffer holds none of COPY_SPECIAL (quoted records are never plain anyway). */
  private plain = true;
  /** Physical line number of `pos`. */
  private line = 1;
  private readonly delimiterCode: number;

  /** Tried first for an unquoted line of a plain buffer; true when it took the line. */
  onPlainLine: ((lineNo: number, line: string) => boolean) | null = null;

  constructor(
    private readonly delimiter: string,
    private readonly maxRecordChars: number,
  ) {
    this.delimiterCode = delimiter.charCodeAt(0);
  }

  push(text: string): void {
    this.buf = this.pos < this.buf.length ? this.buf.slice(this.pos) + text : text;
    this.pos = 0;
    this.nextQuote = this.buf.indexOf('"');
    this.plain = !COPY_SPECIAL.test(this.buf);
  }

  /** Emits every complete record in the buffer (all of them when `final`), up to `limit`. */
  parse(final: boolean, emit: Emit, limit = Infinity): number {
    const { buf, delimiter } = this;
    let emitted = 0;
    while (this.pos < buf.length && emitted < limit) {
      const start = this.pos;
      const newline = buf.indexOf('\n', start);
      if (newline === -1 && !final) {
        this.checkLength();
        break;
      }
      const end = newline === -1 ? buf.length : newline;
      if (this.nextQuote !== -1 && this.nextQuote < start) this.nextQuote = buf.indexOf('"', start);
      if (this.nextQuote === -1 || this.nextQuote >= end) {
        const lineEnd = end > start && buf.charCodeAt(end - 1) === CR ? end - 1 : end;
        // Blank lines carry no row.
        if (lineEnd > start) {
          const line = buf.slice(start, lineEnd);
          if (!(this.plain && this.onPlainLine?.(this.line, line))) {
            emit(this.line, line.split(delimiter), this.plain);
          }
          emitted++;
        }
        this.line++;
        this.pos = end + 1;
        continue;
      }
      const record = this.parseQuoted(final);
      if (record === null) {
        this.checkLength();
        break;
      }
      emit(this.line, record.fields, false);
      emitted++;
      this.line += record.newlines;
      this.pos = record.next;
    }
    if (this.pos > buf.length) this.pos = buf.length;
    return emitted;
  }

  private checkLength(): void {
    if (this.buf.length - this.pos > this.maxRecordChars) {
      throw new FileRejectedError(
        `line ${this.line}: a record longer than ${this.maxRecordChars} characters (an unclosed quote?)`,
      );
    }
  }

  /** A record holding quotes, from `pos`; null when the buffer ends before the record does. */
  private parseQuoted(final: boolean): { fields: string[]; next: number; newlines: number } | null {
    const { buf, delimiterCode } = this;
    const length = buf.length;
    const fields: string[] = [];
    let newlines = 0;
    let i = this.pos;
    for (;;) {
      let value = '';
      if (buf.charCodeAt(i) === QUOTE) {
        let j = i + 1;
        for (;;) {
          const quote = buf.indexOf('"', j);
          if (quote === -1) {
            if (!final) return null;
            throw new FileRejectedError(
              `line ${this.line}: a quoted field is not closed before the end of the file`,
            );
          }
          value += buf.slice(j, quote);
          if (quote + 1 >= length && !final) return null;
          if (buf.charCodeAt(quote + 1) === QUOTE) {
            value += '"';
            j = quote + 2;
            continue;
          }
          i = quote + 1;
          break;
        }
        for (let k = value.indexOf('\n'); k !== -1; k = value.indexOf('\n', k + 1)) newlines++;
      }
      // Unquoted text (or text after a closing quote, kept as written) up to a delimiter or EOL.
      let k = i;
      while (k < length) {
        const code = buf.charCodeAt(k);
        if (code === delimiterCode || code === LF) break;
        k++;
      }
      if (k >= length && !final) return null;
      let textEnd = k;
      if (
        (k >= length || buf.charCodeAt(k) === LF) &&
        textEnd > i &&
        buf.charCodeAt(textEnd - 1) === CR
      ) {
        textEnd--;
      }
      value += buf.slice(i, textEnd);
      fields.push(value);
      if (k >= length) return { fields, next: length, newlines };
      if (buf.charCodeAt(k) === delimiterCode) {
        i = k + 1;
        continue;
      }
      return { fields, next: k + 1, newlines: newlines + 1 };
    }
  }
}

/** A row kept as its COPY text (values joined by tabs); the values are split out on demand. */
class TextRow implements Row {
  constructor(
    readonly lineNo: number,
    readonly copyText: string,
  ) {}
  get values(): string[] {
    return this.copyText.split('\t');
  }
}

export async function openCsv(
  filePath: string,
  inspected: InspectedFile,
  limits: FileLimits,
): Promise<DailyFile> {
  const chunks = decodedChunks(filePath, inspected.encoding ?? 'utf-8');
  try {
    // The header's first line decides the delimiter.
    let pending = '';
    let done = false;
    for (;;) {
      const blankPrefix = /^[\r\n]*/.exec(pending)?.[0].length ?? 0;
      if (pending.indexOf('\n', blankPrefix) !== -1) break;
      if (pending.length > limits.csvMaxRecordChars) {
        throw new FileRejectedError(
          `line 1: a record longer than ${limits.csvMaxRecordChars} characters (an unclosed quote?)`,
        );
      }
      const next = await chunks.next();
      if (next.done) {
        done = true;
        break;
      }
      pending += next.value;
    }
    if (pending.trim() === '') throw new FileRejectedError('the file is empty');
    const firstLine = pending.replace(/^[\r\n]+/, '').split('\n', 1)[0] as string;
    const parser = new CsvParser(sniffDelimiter(firstLine), limits.csvMaxRecordChars);
    parser.push(pending);
    let headerFields: string[] | undefined;
    while (!headerFields) {
      parser.parse(done, (_line, fields) => (headerFields = fields), 1);
      if (headerFields || done) break;
      const next = await chunks.next();
      if (next.done) done = true;
      else parser.push(next.value);
    }
    if (!headerFields) throw new FileRejectedError('the file is empty');
    const mapping = mapHeader(headerFields);
    const problem = headerProblem(mapping);
    if (problem) throw new FileRejectedError(problem);
    const source = FIELDS.map((_, index) => mapping.columns.indexOf(index));
    const fieldCount = FIELDS.length;
    // The usual file: exactly the contract's columns, in its order; its fields are the values.
    const sameOrder = headerFields.length === fieldCount && source.every((s, index) => s === index);
    if (sameOrder) {
      // The fast path of DESIGN §11: a plain line with exactly the header's field count becomes
      // COPY text by swapping its delimiters for tabs; nothing is split or re-joined.
      const delimiter = sniffDelimiter(firstLine);
      parser.onPlainLine = (lineNo, line) => {
        let count = 0;
        for (let i = line.indexOf(delimiter); i !== -1; i = line.indexOf(delimiter, i + 1)) count++;
        if (count !== fieldCount - 1) return false;
        batchRef.batch.push(new TextRow(lineNo, line.replaceAll(delimiter, '\t')));
        return true;
      };
    }
    const batchRef: { batch: Row[] } = { batch: [] };
    return {
      header: {
        found: mapping.found,
        missing: FIELDS.filter((_, i) => (source[i] as number) < 0).map((f) => f.header),
        columns: mapping.columns,
      },
      rows: (async function* () {
        try {
          const emit: Emit = (lineNo, fields, plain) => {
            if (sameOrder && fields.length === fieldCount) {
              batchRef.batch.push({ lineNo, values: fields, plain });
              return;
            }
            const values = new Array<string | null>(fieldCount);
            for (let t = 0; t < fieldCount; t++) {
              const s = source[t] as number;
              values[t] = s < 0 ? null : (fields[s] ?? null);
            }
            batchRef.batch.push({ lineNo, values });
          };
          for (;;) {
            parser.parse(done, emit);
            if (batchRef.batch.length > 0) {
              yield batchRef.batch;
              batchRef.batch = [];
            }
            if (done) break;
            const next = await chunks.next();
            if (next.done) done = true;
            else parser.push(next.value);
          }
        } finally {
          await chunks.return(undefined);
        }
      })(),
    };
  } catch (error) {
    await chunks.return(undefined);
    throw error;
  }
}
