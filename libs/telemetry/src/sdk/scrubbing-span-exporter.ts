import type { AttributeValue, Attributes, Link } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { scrubSecrets } from '../secret-scrubber.js';

/** `ExportResult` of `@opentelemetry/core`, typed structurally so no extra package is imported. */
type ExportCallback = Parameters<SpanExporter['export']>[1];

/**
 * Wraps the real exporter and masks key-shaped text (the same rules as the logger's `scrubSecrets`)
 * in every exported span: names, attribute values, events, links and status messages. Nothing in
 * this codebase puts a key on a span on purpose; this is the safety net for what instrumentations
 * record on their own, e.g. `url.full` of a client that sends a Gemini key as `?key=`. It runs on
 * the export batch, off the request path, and copies only spans that actually held a match.
 */
export class ScrubbingSpanExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: ExportCallback): void {
    this.inner.export(spans.map(scrubSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** The span itself when it holds nothing key-shaped, else a copy with the matches masked. */
export function scrubSpan(span: ReadableSpan): ReadableSpan {
  const name = scrubSecrets(span.name);
  const attributes = scrubAttributes(span.attributes);
  const events = scrubList(span.events, scrubEvent);
  const links = scrubList(span.links, scrubLink);
  const statusMessage = span.status.message === undefined ? undefined : scrubSecrets(span.status.message);
  if (name === span.name && attributes === span.attributes && events === span.events && links === span.links && statusMessage === span.status.message) {
    return span;
  }
  return {
    name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    ...(span.parentSpanContext === undefined ? {} : { parentSpanContext: span.parentSpanContext }),
    startTime: span.startTime,
    endTime: span.endTime,
    status: statusMessage === undefined ? span.status : { ...span.status, message: statusMessage },
    attributes,
    links,
    events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

function scrubEvent(event: TimedEvent): TimedEvent {
  const name = scrubSecrets(event.name);
  const attributes = event.attributes === undefined ? undefined : scrubAttributes(event.attributes);
  if (name === event.name && attributes === event.attributes) return event;
  return { ...event, name, ...(attributes === undefined ? {} : { attributes }) };
}

function scrubLink(link: Link): Link {
  const attributes = link.attributes === undefined ? undefined : scrubAttributes(link.attributes);
  return attributes === link.attributes ? link : { ...link, ...(attributes === undefined ? {} : { attributes }) };
}

/** The same array when no element changed, so unchanged spans are never copied. */
function scrubList<T>(items: T[], scrub: (item: T) => T): T[] {
  let copy: T[] | undefined;
  items.forEach((item, index) => {
    const scrubbed = scrub(item);
    if (scrubbed !== item) {
      copy ??= items.slice();
      copy[index] = scrubbed;
    }
  });
  return copy ?? items;
}

function scrubAttributes(attributes: Attributes): Attributes {
  let copy: Attributes | undefined;
  for (const [key, value] of Object.entries(attributes)) {
    const scrubbed = scrubValue(value);
    if (scrubbed !== value) {
      copy ??= { ...attributes };
      copy[key] = scrubbed;
    }
  }
  return copy ?? attributes;
}

function scrubValue(value: AttributeValue | undefined): AttributeValue | undefined {
  if (typeof value === 'string') {
    const scrubbed = scrubSecrets(value);
    return scrubbed === value ? value : scrubbed;
  }
  if (Array.isArray(value) && value.some((item) => typeof item === 'string')) {
    const items = value as (string | null | undefined)[];
    const scrubbed = items.map((item) => (typeof item === 'string' ? scrubSecrets(item) : item));
    return scrubbed.every((item, i) => item === items[i]) ? value : (scrubbed as AttributeValue);
  }
  return value;
}
