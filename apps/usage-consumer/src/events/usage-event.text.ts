import type { UsageEvent } from '@byok/queues';

/** NUL and lone UTF-16 surrogates: what Postgres text (UTF-8) cannot hold. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what Postgres text cannot hold.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` as Postgres can store it: each unstorable character becomes U+FFFD. */
function storable(text: string): string {
  return text.replace(UNSTORABLE, '\uFFFD');
}

/**
 * The event with every text field made storable, or undefined when none needed it. An event the
 * database refuses for its text (SQLSTATE 22021, `"gpt-4o\u0000"`) is stored cleaned, never
 * dropped: its tokens and its charge are real.
 */
export function withStorableText(event: UsageEvent): UsageEvent | undefined {
  let changed = false;
  const clean = (text: string): string => {
    const cleaned = storable(text);
    if (cleaned !== text) changed = true;
    return cleaned;
  };
  const cleaned: UsageEvent = { ...event, requestId: clean(event.requestId), userId: clean(event.userId), model: clean(event.model), occurredAt: clean(event.occurredAt) };
  if (event.keyId !== undefined) cleaned.keyId = clean(event.keyId);
  return changed ? cleaned : undefined;
}
