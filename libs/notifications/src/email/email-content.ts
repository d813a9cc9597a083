import type { NotificationEvent } from '../event.js';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** The absolute URL of an event's page link; links are paths, so they cannot point elsewhere. */
function absoluteLink(baseUrl: string, link: string): string {
  return new URL(link.startsWith('/') ? link : '/', baseUrl).toString();
}

/**
 * One email for one or more events of one owner, in plain text and HTML. A single event keeps its
 * own title as the subject; several make a digest. Every value is escaped in the HTML part: labels
 * are chosen by owners.
 */
export function renderEmail(events: readonly NotificationEvent[], options: { baseUrl: string }): EmailContent {
  const first = events[0];
  if (first === undefined) throw new Error('renderEmail needs at least one event');
  const subject = events.length === 1 ? `[BYOK Gateway] ${first.title}` : `[BYOK Gateway] ${events.length} notifications`;
  const intro = events.length === 1 ? '' : `${events.length} things happened to your keys and budgets:\n\n`;
  const text =
    intro +
    events.map((e) => `${e.title}\n${e.message}\nWhat to do: ${e.action}\n${absoluteLink(options.baseUrl, e.link)}\n(${e.occurredAt})`).join('\n\n') +
    '\n\nYou get these emails because of your notification preferences in BYOK Gateway.\n';
  const items = events
    .map(
      (e) =>
        `<li><p><strong>${escapeHtml(e.title)}</strong></p><p>${escapeHtml(e.message)}</p><p>What to do: ${escapeHtml(e.action)}</p>` +
        `<p><a href="${escapeHtml(absoluteLink(options.baseUrl, e.link))}">Open in BYOK Gateway</a> · <time datetime="${escapeHtml(e.occurredAt)}">${escapeHtml(e.occurredAt)}</time></p></li>`,
    )
    .join('');
  const html =
    `<!doctype html><html><body>${events.length === 1 ? '' : `<p>${events.length} things happened to your keys and budgets:</p>`}<ul>${items}</ul>` +
    '<p>You get these emails because of your notification preferences in BYOK Gateway.</p></body></html>';
  return { subject, text, html };
}
