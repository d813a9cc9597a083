import type { Readable } from 'node:stream';

/** Result of `readBody`: the text, and whether it was cut at the limit. */
export interface BodyText {
  text: string;
  truncated: boolean;
}

/**
 * Reads an upstream body as UTF-8 text, keeping at most `maxBytes` (an upstream must not make the
 * proxy buffer without bound). Past the limit the rest is discarded, the socket given up.
 */
export async function readBody(body: Readable, maxBytes: number): Promise<BodyText> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    if (size + buffer.length > maxBytes) {
      chunks.push(buffer.subarray(0, maxBytes - size));
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(buffer);
    size += buffer.length;
  }
  return { text: chunks.length === 1 && chunks[0] ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'), truncated: false };
}
