import { OrgParams } from '../orgs/org.schemas.js';

/** The `{org}` path parameter, for route groups that add it to their own parameters. */
export const OrgParam = OrgParams.properties;

/** What every organization route may answer besides its own statuses, for OpenAPI. */
export const ORG_ERRORS = { 403: { $ref: 'ErrorBody' }, 404: { $ref: 'ErrorBody' } } as const;
