import type { Worker } from 'bullmq';

/** A running BullMQ worker and a close that also releases the connection it was built from. */
export interface RunningWorker {
  worker: Worker;
  close(): Promise<void>;
}
