import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** Parent and ancestor lookups over the spans of one trace. */
export interface SpanTree {
  spans: ReadableSpan[];
  parentOf(span: ReadableSpan): ReadableSpan | undefined;
  /** Parent first, root last. */
  ancestorsOf(span: ReadableSpan): ReadableSpan[];
  isDescendantOf(span: ReadableSpan, ancestor: ReadableSpan): boolean;
}

export function spanTree(all: ReadableSpan[], traceId: string): SpanTree {
  const spans = all.filter((s) => s.spanContext().traceId === traceId);
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const parentOf = (span: ReadableSpan) => {
    const parentId = span.parentSpanContext?.spanId;
    return parentId === undefined ? undefined : byId.get(parentId);
  };
  const ancestorsOf = (span: ReadableSpan) => {
    const chain: ReadableSpan[] = [];
    for (let p = parentOf(span); p !== undefined; p = parentOf(p)) chain.push(p);
    return chain;
  };
  return { spans, parentOf, ancestorsOf, isDescendantOf: (span, ancestor) => ancestorsOf(span).includes(ancestor) };
}

/** Span id, for readable assertions. */
export const idOf = (span: ReadableSpan): string => span.spanContext().spanId;

/** The SQL text of a pg span under either the old or the stable database conventions. */
export function sqlOf(span: ReadableSpan): string {
  const text = span.attributes['db.query.text'] ?? span.attributes['db.statement'];
  return typeof text === 'string' ? text : '';
}

/** Everything a span exports as text: name, attributes, events, links and status. */
export function exportedText(span: ReadableSpan): string {
  return JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events, links: span.links.map((l) => l.attributes ?? {}), status: span.status });
}

/** Polls until `find` returns a value (the worker's spans end a moment after its job does). */
export async function eventually<T>(find: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
