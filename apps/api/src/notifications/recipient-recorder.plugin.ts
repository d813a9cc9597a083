import type { Principal } from '@byok/auth';
import type { Orm } from '@byok/db';
import { recordRecipientEmail } from '@byok/notifications';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Users whose address this process already stored; beyond this many the oldest are forgotten. */
const REMEMBERED_USERS = 10_000;

/**
 * Stores the email address of each signed-in user's token, for notification emails, after the
 * response has gone (`onResponse`): the request never waits for it. A process remembers what it
 * stored, so the database sees one write per user and address change, not one per request; the
 * write itself changes nothing when the address is the same (see `recordRecipientEmail`). A failed
 * write is logged and tried again on the user's next request.
 */
export const recipientRecorderPlugin = fp(
  async (app: FastifyInstance, { orm }: { orm: Orm }) => {
    const stored = new Map<string, string>();
    const record = async (userId: string, email: string, log: FastifyBaseLogger): Promise<void> => {
      try {
        await recordRecipientEmail(orm.em.fork(), userId, email);
        stored.delete(userId);
        stored.set(userId, email);
        if (stored.size > REMEMBERED_USERS) stored.delete(stored.keys().next().value as string);
      } catch (error) {
        log.warn({ error: { name: error instanceof Error ? error.name : 'unknown' } }, 'could not store the notification address; the next request tries again');
      }
    };
    app.addHook('onResponse', async (request) => {
      // Unset on routes without sign-in.
      const principal: Principal | undefined = request.principal;
      if (principal?.email === undefined || stored.get(principal.userId) === principal.email) return;
      void record(principal.userId, principal.email, request.log);
    });
  },
  { name: 'byok-recipient-recorder' },
);
