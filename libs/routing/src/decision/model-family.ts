/**
 * A version at the end of a model name: `-latest`, a date (`-20241022`, `-2024-08-06`) or a
 * snapshot number (`-001`, `-2411`), the forms providers give their aliases and snapshots.
 */
const VERSION_SUFFIX = /-(?:latest|\d{8}|\d{4}-\d{2}-\d{2}|\d{3,4})$/;

/** The name without its version: `claude-3-5-haiku-latest` and `claude-3-5-haiku-20241022` are both `claude-3-5-haiku`. */
export function modelFamily(name: string): string {
  return name.replace(VERSION_SUFFIX, '');
}

/**
 * The test of a key's listed models (its last test's complete list): a name the list holds, or one
 * that differs from a listed name only in its version. A provider's list names snapshots and
 * leaves out aliases it accepts (Anthropic lists `claude-3-5-haiku-20241022`, not
 * `claude-3-5-haiku-latest`), so a key is `model_unavailable` only for a model of no listed family.
 */
export function compileListedModels(listed: ReadonlySet<string>): (model: string) => boolean {
  const families = new Set<string>();
  for (const name of listed) families.add(modelFamily(name));
  return (model) => listed.has(model) || families.has(modelFamily(model));
}
