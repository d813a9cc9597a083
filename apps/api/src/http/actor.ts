import type { auditContext } from '@byok/http';

/**
 * Who is acting, as audit records name them: the signed-in caller's id and role, the request id,
 * client address and user agent. Routes read it with `auditContext(request)` and hand it to the
 * services, which copy it into every audit record they write; whose key or balance is touched is
 * the service's `subjectUserId`, never the actor.
 */
export type Actor = ReturnType<typeof auditContext>;
