import { createHmac, randomBytes } from 'node:crypto';

/** Prefix of every signing secret, so one pasted into the wrong place is recognisable. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` and 32 random bytes in base64url. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * The `x-byok-signature` header of a delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256>` over
 * `"<t>.<raw body>"`, keyed with the secret string exactly as shown at creation. Signing the time
 * with the body lets receivers refuse replays of an old delivery (the README's recipe allows 5 min).
 */
export function signWebhookBody(secret: string, rawBody: string, timestampSeconds: number): string {
  const t = Math.floor(timestampSeconds);
  const v1 = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  return `t=${t},v1=${v1}`;
}
