/**
 * Longest model name an allow-list is matched against; a longer one matches nothing. Patterns are
 * at most 200 characters (the keys API) and provider model names at most 200 (key tests keep no
 * longer ones), so no real model is refused, and the cost of one match stays bounded whatever a
 * client sends as `model` (the chat request puts no length limit on it).
 */
export const MAX_MATCHED_MODEL_CHARS = 256;

/** A `*` glob split at its stars: the text before the first, after the last, and the runs between. */
interface CompiledGlob {
  prefix: string;
  suffix: string;
  middles: readonly string[];
  /** Characters a match needs at least: every literal run once. */
  minLength: number;
}

/**
 * A key's model allow-list as one test: exact names are a Set lookup, `*` globs (any run of
 * characters, e.g. `gpt-4o*`, `*-mini`) are split at their stars once and matched without regular
 * expressions. Names compare case-sensitively, as providers name models. An empty list allows
 * nothing; a name longer than `MAX_MATCHED_MODEL_CHARS` is allowed by nothing.
 *
 * Why not one regular expression (each `*` as `.*`): a pattern such as `gpt-*a*a*a*…*b` makes a
 * backtracking engine try every way of splitting the name between the stars, exponential in their
 * number; a 200-character pattern against a 40-character name held the proxy's event loop for
 * seconds, for every user. `globMatches` is linear in the pattern count and at worst
 * O(name length × pattern length) per pattern (see there).
 */
export function compileAllowList(patterns: readonly string[]): (model: string) => boolean {
  const exact = new Set<string>();
  const globs: CompiledGlob[] = [];
  for (const pattern of patterns) {
    if (pattern.includes('*')) globs.push(compileGlob(pattern));
    else exact.add(pattern);
  }
  if (globs.length === 0) return (model) => exact.has(model);
  return (model) => exact.has(model) || (model.length <= MAX_MATCHED_MODEL_CHARS && globs.some((glob) => globMatches(glob, model)));
}

function compileGlob(pattern: string): CompiledGlob {
  // Consecutive stars leave empty runs, which match anywhere: dropped.
  const runs = pattern.split('*');
  const prefix = runs[0] ?? '';
  const suffix = runs[runs.length - 1] ?? '';
  const middles = runs.slice(1, -1).filter((run) => run !== '');
  return { prefix, suffix, middles, minLength: prefix.length + suffix.length + middles.reduce((sum, run) => sum + run.length, 0) };
}

/**
 * The name starts with the prefix, ends with the suffix, and holds the middle runs in order,
 * without overlap, between them. Each middle run is taken at its leftmost place after the previous
 * one: a later place leaves less room for the runs after it, never more, so the leftmost is never
 * worse and nothing is ever retried. One `indexOf` per run over a cursor that only moves forward:
 * at worst O(n × m) character comparisons for a name of n and a pattern of m characters, with no
 * backtracking across runs.
 */
function globMatches(glob: CompiledGlob, model: string): boolean {
  if (model.length < glob.minLength || !model.startsWith(glob.prefix) || !model.endsWith(glob.suffix)) return false;
  const end = model.length - glob.suffix.length;
  let cursor = glob.prefix.length;
  for (const run of glob.middles) {
    const at = model.indexOf(run, cursor);
    if (at === -1 || at + run.length > end) return false;
    cursor = at + run.length;
  }
  return true;
}
