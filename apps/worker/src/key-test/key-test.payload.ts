import { QUEUES, type KeyTestJob } from '@byok/queues';
import { UnrecoverableError } from 'bullmq';
import Value from 'typebox/value';

/**
 * The job's payload, checked against the catalog schema: Redis hands back untyped JSON, and a
 * payload that does not match will not match on a retry either.
 */
export function parseKeyTestPayload(data: unknown): KeyTestJob {
  if (Value.Check(QUEUES.keyTests.schema, data)) return data as KeyTestJob;
  const first = Value.Errors(QUEUES.keyTests.schema, data)[0];
  throw new UnrecoverableError(`key-test payload does not match its schema at ${first?.instancePath || '/'}`);
}
