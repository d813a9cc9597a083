/**
 * MikroORM sends many statements with their values already inlined (`VALUES ('user-1', 'gAAAA…')`),
 * so the pg instrumentation's `db.query.text` would carry user ids, labels, metadata and the
 * encrypted key tokens. Traces need the statement's shape, not its data: every single-quoted
 * literal (SQL doubles a quote inside one) becomes `'?'`.
 */
const STRING_LITERAL = /'(?:[^']|'')*'/g;

export function obfuscateSql(text: string): string {
  return text.includes("'") ? text.replace(STRING_LITERAL, "'?'") : text;
}
