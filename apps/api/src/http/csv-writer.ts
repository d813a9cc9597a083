/**
 * RFC 4180 CSV: comma separated, CRLF line ends, a field quoted when it holds a comma, quote, CR
 * or LF, with inner quotes doubled. Shared by the usage and audit exports.
 *
 * Text that a spreadsheet would run as a formula (OWASP "CSV injection": a cell starting with `=`,
 * `+`, `-`, `@`, a tab or a CR) is neutralised as OWASP recommends: prefixed with a single quote
 * and quoted. Model names, labels and audit details are user-controlled, and an export is opened
 * by an admin. Numbers are written as they are (a negative amount is data, not a formula).
 */

export type CsvValue = string | number | boolean | null | undefined;

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field; null and undefined are empty. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' && FORMULA_START.test(value)) return quote(`'${value}`);
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? quote(text) : text;
}

function quote(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** One line, with its CRLF. */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** A whole document: the header line, then one line per row. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvValue[]>): string {
  return csvLine(header) + rows.map(csvLine).join('');
}
