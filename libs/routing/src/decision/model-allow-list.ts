/**
 * A key's model allow-list as one test: exact names are a Set lookup, `*` globs (any run of
 * characters, e.g. `gpt-4o*`, `*-mini`) are compiled once into one anchored regular expression.
 * Names compare case-sensitively, as providers name models. An empty list allows nothing.
 */
export function compileAllowList(patterns: readonly string[]): (model: string) => boolean {
  const exact = new Set<string>();
  const globs: string[] = [];
  for (const pattern of patterns) {
    if (pattern.includes('*')) globs.push(pattern.split('*').map(escapeRegExp).join('.*'));
    else exact.add(pattern);
  }
  if (globs.length === 0) return (model) => exact.has(model);
  const glob = new RegExp(`^(?:${globs.join('|')})$`, 's');
  return (model) => exact.has(model) || glob.test(model);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
