import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message the sink accepted, decoded enough for assertions. */
export interface ReceivedEmail {
  to: string[];
  subject: string;
  messageId: string;
  /** Event ids from the `X-BYOK-Events` header. */
  eventIds: string[];
  text: string;
  html: string;
  raw: string;
}

export interface SmtpSink {
  url: string;
  received: ReceivedEmail[];
  /** Messages whose data arrived but whose acceptance is being held (see `holdNext`). */
  held(): number;
  /**
   * Holds the acceptance of the next `count` messages until `release` is called: the client waits
   * for the server's "250" as it would on a slow server. A message whose client disconnects while it
   * is held is discarded, as SMTP requires.
   */
  holdNext(count: number): void;
  release(): void;
  /** Recipients the server refuses with 550 (a permanent failure). */
  refused: Set<string>;
  /** RCPT TO commands the server answered with 550. */
  refusals(): number;
  close(): Promise<void>;
}

/** A local SMTP server (the npm `smtp-server` package) that keeps what it accepts. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ReceivedEmail[] = [];
  const closedSessions = new Set<string>();
  const held: Array<() => void> = [];
  let toHold = 0;
  const refused = new Set<string>();
  let refusals = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!refused.has(address.address)) return callback();
      refusals++;
      const error = Object.assign(new Error('mailbox unavailable'), { responseCode: 550 });
      callback(error);
    },
    onClose(session) {
      closedSessions.add(session.id);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const accept = (): void => {
          if (closedSessions.has(session.id)) return;
          const raw = Buffer.concat(chunks).toString('utf8');
          received.push(parseEmail(raw, session.envelope.rcptTo.map((r) => r.address)));
          callback();
        };
        if (toHold > 0) {
          toHold--;
          held.push(accept);
        } else accept();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    held: () => held.length,
    holdNext(count) {
      toHold = count;
    },
    release() {
      for (const accept of held.splice(0)) accept();
    },
    refused,
    refusals: () => refusals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function header(headers: string, name: string): string {
  const match = new RegExp(`^${name}:\\s*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(headers);
  return (match?.[1] ?? '').replace(/\r?\n[ \t]+/g, ' ').trim();
}

/** The text/plain and text/html parts of a nodemailer message (quoted-printable or 7bit). */
function parseEmail(raw: string, to: string[]): ReceivedEmail {
  const [headers = ''] = raw.split(/\r?\n\r?\n/, 1);
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headers)?.[1];
  const parts = boundary ? raw.split(`--${boundary}`).slice(1, -1) : [raw];
  const partOf = (type: string): string => {
    const part = parts.find((p) => new RegExp(`content-type:\\s*${type}`, 'i').test(p)) ?? '';
    const [partHeaders = '', ...body] = part.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
    const content = body.join('\n\n');
    return /quoted-printable/i.test(partHeaders) ? decodeQuotedPrintable(content) : content;
  };
  return {
    to,
    subject: header(headers, 'Subject'),
    messageId: header(headers, 'Message-ID'),
    eventIds: header(headers, 'X-BYOK-Events').split(',').map((id) => id.trim()).filter(Boolean),
    text: partOf('text/plain').replace(/\r\n/g, '\n'),
    html: partOf('text/html').replace(/\r\n/g, '\n'),
    raw,
  };
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => `%${hex}`);
  try {
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
  } catch {
    return bytes;
  }
}
