import { BullMQOtel } from 'bullmq-otel';
import { afterEach, describe, expect, it } from 'vitest';
import { queueTelemetry } from './queue-telemetry.js';
import { isTracingEnabled, registerTelemetry, shutdownTelemetry, unregisterTelemetry } from './telemetry-registration.js';

describe('queueTelemetry', () => {
  afterEach(() => unregisterTelemetry());

  it('is undefined while no SDK runs, so BullMQ takes its untraced path', async () => {
    expect(isTracingEnabled()).toBe(false);
    expect(queueTelemetry()).toBeUndefined();
    await expect(shutdownTelemetry()).resolves.toBeUndefined();
  });

  it('is a BullMQOtel once the bootstrap registered, and shutdownTelemetry reaches the SDK', async () => {
    let stopped = 0;
    registerTelemetry({
      shutdown: async () => {
        stopped += 1;
      },
    });
    expect(queueTelemetry()).toBeInstanceOf(BullMQOtel);
    await shutdownTelemetry();
    expect(stopped).toBe(1);
  });
});
