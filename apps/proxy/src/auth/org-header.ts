import { isOrgId } from '@byok/db';
import { AppError, orgNotFound as orgNotFoundAt } from '@byok/http';

/** The header by which a request acts for an organization the caller is a member of. */
export const ORG_HEADER = 'x-byok-org';

/**
 * One answer for every organization the caller cannot act for — malformed id, no such org, not a
 * member (any more) — so nobody learns which organizations exist; the API answers the same.
 */
export function orgNotFound(): AppError {
  return orgNotFoundAt(`headers/${ORG_HEADER}`);
}

/**
 * The organization a request acts for: the org of its gateway token, if the token was made for
 * one, else the `x-byok-org` header (lower-cased), else none. A header that is not a UUID is
 * answered like a non-member's (404 `org_not_found`); a header naming another org than the token's
 * is refused (400 `org_mismatch`), since such a token always acts for its own org.
 */
export function requestedOrg(header: string | string[] | undefined, tokenOrgId: string | null): string | undefined {
  if (header === undefined) return tokenOrgId ?? undefined;
  // Node joins repeated headers with ", ", which no UUID contains: two values are refused too.
  const value = typeof header === 'string' ? header.trim() : header.join(', ');
  if (!isOrgId(value)) {
    if (tokenOrgId !== null) throw orgMismatch();
    throw orgNotFound();
  }
  const orgId = value.toLowerCase();
  if (tokenOrgId !== null && orgId !== tokenOrgId) throw orgMismatch();
  return orgId;
}

function orgMismatch(): AppError {
  return new AppError('org_mismatch', `This gateway token was created for an organization and always acts for it; ${ORG_HEADER} names another one (leave the header out)`, {
    details: [{ path: `headers/${ORG_HEADER}`, message: 'must name the organization the token was created for, or be absent' }],
  });
}
