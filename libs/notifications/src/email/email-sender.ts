import { createHash } from 'node:crypto';
import type { Orm } from '@byok/db';
import nodemailer from 'nodemailer';
import type { NotificationEvent } from '../event.js';
import { renderEmail } from './email-content.js';

/** What the sender needs of an SMTP transport (nodemailer's, or another in a bench). */
export interface MailTransport {
  sendMail(message: { from: string; to: string; subject: string; text: string; html: string; messageId: string; headers: Record<string, string> }): Promise<unknown>;
  close(): void;
}

/** A nodemailer transport over `SMTP_URL` (e.g. `smtps://user:pass@mail.example.com`); 10 s per step at most. */
export function createSmtpTransport(smtpUrl: string): MailTransport {
  const transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 10_000 });
  return { sendMail: (message) => transport.sendMail(message), close: () => transport.close() };
}

export interface EmailSenderOptions {
  orm: Orm;
  logger: { warn(obj: object, msg: string): void };
  transport: MailTransport;
  from: string;
  /** Base of the links in the emails (PUBLIC_URL). */
  baseUrl: string;
  /** After an email to an owner, later events wait this long and then go out together as one digest. */
  digestWindowMs: number;
  /** A pending event waits at least this long, so events that arrive together leave together. */
  holdMs: number;
  /** Most events in one digest; the rest go in the next. */
  maxEventsPerEmail?: number;
}

export interface EmailSender {
  /** Sends what is due now; returns the number of emails sent. */
  sendDue(): Promise<number>;
}

/**
 * Sends the pending rows of `notification_emails`: per owner, everything pending goes in one email
 * once the owner's last email is older than the digest window.
 *
 * Exactly once: each owner's email is sent inside a transaction that holds the owner's advisory
 * lock and the pending rows' locks, and the sent marker (`sent_at`) is written in that transaction
 * right after the SMTP server accepted the message. A process killed before the server's acceptance
 * rolls back, the server discards the unfinished message, and the rows are sent again by the next
 * sender. The only window for a second copy is between the server's acceptance and the commit (one
 * round trip); the resent email then carries the same Message-ID (derived from its event ids), so
 * mail systems can recognise it.
 */
export function createEmailSender(options: EmailSenderOptions): EmailSender {
  const maxEvents = options.maxEventsPerEmail ?? 50;
  const sendToOwner = (userId: string): Promise<boolean> =>
    options.orm.em.fork().transactional(async (em) => {
      const locked = await em.execute<Array<{ locked: boolean }>>('SELECT pg_try_advisory_xact_lock(hashtextextended(?, 16)) AS locked', [`notification-email:${userId}`]);
      if (!locked[0]?.locked) return false;
      const rows = await em.execute<Array<{ event_id: string; payload: NotificationEvent; email: string }>>(
        `SELECT e.event_id, o.payload, r.email FROM notification_emails e
         JOIN notification_outbox o ON o.id = e.event_id JOIN notification_recipients r ON r.user_id = e.user_id
         WHERE e.user_id = ? AND e.sent_at IS NULL AND e.failed_at IS NULL ORDER BY e.created_at, e.event_id LIMIT ? FOR UPDATE OF e SKIP LOCKED`,
        [userId, maxEvents],
      );
      const to = rows[0]?.email;
      if (to === undefined) return false;
      const events = rows.map((row) => row.payload);
      const ids = rows.map((row) => row.event_id);
      const messageId = `<${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 40)}@notifications.byok-gateway>`;
      const content = renderEmail(events, { baseUrl: options.baseUrl });
      try {
        await options.transport.sendMail({ from: options.from, to, ...content, messageId, headers: { 'X-BYOK-Events': ids.join(',') } });
      } catch (error) {
        if (!isPermanentRefusal(error)) throw error;
        // A 5xx answer (an address the server refuses) will not change by trying again.
        await em.execute(`UPDATE notification_emails SET failed_at = now(), error = left(?, 300) WHERE event_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`, [
          smtpErrorSummary(error),
          JSON.stringify(ids),
        ]);
        options.logger.warn({ userId, events: ids.length, error: smtpErrorSummary(error) }, 'the mail server refused a notification email; not retrying it');
        return false;
      }
      await em.execute(`UPDATE notification_emails SET sent_at = now(), message_id = ? WHERE event_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`, [
        messageId,
        JSON.stringify(ids),
      ]);
      return true;
    });
  return {
    async sendDue() {
      const due = await options.orm.em.fork().execute<Array<{ user_id: string }>>(
        `SELECT e.user_id FROM notification_emails e WHERE e.sent_at IS NULL AND e.failed_at IS NULL
         GROUP BY e.user_id
         HAVING min(e.created_at) <= now() - make_interval(secs => ?)
           AND NOT EXISTS (SELECT 1 FROM notification_emails s WHERE s.user_id = e.user_id AND s.sent_at > now() - make_interval(secs => ?))
         LIMIT 100`,
        [options.holdMs / 1000, options.digestWindowMs / 1000],
      );
      let sent = 0;
      // One owner at a time: each holds an SMTP conversation, and a slow mail server should not
      // be hit with a hundred at once. A transient failure leaves the owner's rows pending for the
      // next tick and does not hold up the other owners.
      for (const { user_id } of due) {
        try {
          if (await sendToOwner(user_id)) sent++;
        } catch (error) {
          options.logger.warn({ userId: user_id, error: smtpErrorSummary(error) }, 'notification email not sent; trying again at the next tick');
        }
      }
      return sent;
    },
  };
}

/** SMTP reply codes 5xx are permanent (RFC 5321); nodemailer puts the code on `responseCode`. */
function isPermanentRefusal(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** The error's code and SMTP reply code, never the message (it can quote the server's greeting or the address). */
function smtpErrorSummary(error: unknown): string {
  const e = error as { name?: unknown; code?: unknown; responseCode?: unknown };
  return [e.name, e.code, e.responseCode].filter((part) => typeof part === 'string' || typeof part === 'number').join(' ') || 'unknown error';
}
