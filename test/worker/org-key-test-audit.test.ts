import { randomUUID } from 'node:crypto';
import { appendAudit } from '@byok/db';
import { fakeKey } from '@byok/mock-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerHarness, type WorkerHarness } from './support/worker-harness.js';

/** Organizations (#17): a test of an org's key, run by the worker, lands in the org's audit trail with the admin who asked for it. */
describe("the worker's test of an organization key", () => {
  let h: WorkerHarness;
  const org = randomUUID();
  beforeAll(async () => {
    h = await startWorkerHarness('worker_org_audit');
    await h.startWorker();
    await h.db.sql("INSERT INTO byok_orgs (id, name, created_by) VALUES ($1, 'Acme', 'olivia')", [org]);
  });
  afterAll(() => h.close());

  const orgOfRecords = (keyId: string) => h.db.sql<{ action: string; actor_id: string; org_id: string | null }>('SELECT action, actor_id, org_id::text FROM audit_log WHERE key_id = $1 ORDER BY id', [keyId]);

  it('records the result with the org id and the asking admin as actor; the key row names its org', async () => {
    const key = await h.insertKey({ userId: `org:${org}`, provider: 'groq', apiKey: fakeKey('groq', 'valid', 'org-audit') });
    expect(await h.db.sql('SELECT org_id::text FROM user_provider_keys WHERE id = $1', [key.id])).toEqual([{ org_id: org }]);
    const job = await h.waitForJob(await h.enqueueTest(key, { reason: 'manual', actorId: 'adam' }));
    expect(job.state).toBe('completed');
    expect(await orgOfRecords(key.id)).toEqual([{ action: 'key.tested', actor_id: 'adam', org_id: org }]);
  });

  it("leaves a user's key test out of every org trail", async () => {
    const key = await h.insertKey({ userId: 'org-less-user', provider: 'groq', apiKey: fakeKey('groq', 'valid', 'user-audit') });
    await h.waitForJob(await h.enqueueTest(key));
    expect(await orgOfRecords(key.id)).toEqual([{ action: 'key.tested', actor_id: 'org-less-user', org_id: null }]);
  });

  it('files an explicit orgId as given, and ignores a subject that only looks like an org owner', async () => {
    const em = h.runtime.orm.em.fork();
    const other = randomUUID();
    await appendAudit(em, { actorId: 'olivia', actorType: 'user', action: 'org.updated', subjectUserId: 'olivia', orgId: other, details: {} });
    await appendAudit(em, { actorId: 'x', actorType: 'user', action: 'probe', subjectUserId: "org:not-a-uuid' OR 1=1", details: {} });
    const rows = await h.db.sql<{ action: string; org_id: string | null }>("SELECT action, org_id::text FROM audit_log WHERE action IN ('org.updated', 'probe') ORDER BY id");
    expect(rows).toEqual([
      { action: 'org.updated', org_id: other },
      { action: 'probe', org_id: null },
    ]);
  });
});
