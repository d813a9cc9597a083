import { type KeyTestJob, QUEUES } from '@byok/queues';
import { UnrecoverableError } from 'bullmq';
import { Compile } from 'typebox/compile';

/**
 * The catalog schema compiled once: interpreted checks were 2 % of the worker's CPU at a thousand
 * jobs per second. Stateless, so one validator serves every job.
 */
const keyTestJobValidator = Compile(QUEUES.keyTests.schema);

/**
 * The job's payload, checked against the catalog schema: Redis hands back untyped JSON, and a
 * payload that does not match will not match on a retry either.
 */
export function parseKeyTestPayload(data: unknown): KeyTestJob {
  if (keyTestJobValidator.Check(data)) return data as KeyTestJob;
  const first = keyTestJobValidator.Errors(data)[0];
  throw new UnrecoverableError(`key-test payload does not match its schema at ${first?.instancePath || '/'}`);
}
