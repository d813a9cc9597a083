import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

/** The part of a JSON page these tests read. */
interface AuditPage {
  items: Array<{ id: string }>;
  next_cursor: string | null;
}

describe('audit API: keyset pages stay exact while records are appended', () => {
  let h: ApiHarness;
  let admin: Record<string, string>;
  let run = 0;
  beforeAll(async () => {
    h = await startApiHarness('audit_pagination');
    admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
  });
  afterAll(() => h.close());

  const insert = (user: string, count: number) =>
    h.db.sql<{ id: string }>(
      `INSERT INTO audit_log (actor_id, actor_type, action, subject_user_id) SELECT $1, 'user', 'key.created', $1 FROM generate_series(1, $2::int) RETURNING id::text AS id`,
      [user, count],
    );

  /** Pages through `query` to the end, running `between` after each page; returns ids in page order. */
  async function pageThrough(query: string, headers: Record<string, string>, between: (page: number) => Promise<unknown>): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; ; page++) {
      const url: string = `/api/v1/audit?${query}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await h.app.inject({ url, headers });
      expect(res.statusCode).toBe(200);
      const body: AuditPage = res.json();
      ids.push(...body.items.map((r) => r.id));
      cursor = body.next_cursor;
      if (!cursor) return ids;
      await between(page);
    }
  }

  it('returns every record that existed when paging began exactly once, in order, under any page size and insert pattern (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 1, max: 25 }), fc.array(fc.nat(6), { minLength: 1, maxLength: 10 }), async (existing, limit, inserts) => {
        const user = `user-${++run}`;
        const before = (await insert(user, existing)).map((r) => r.id);
        const userToken = { authorization: `Bearer ${await h.token(user)}` };
        // Alternate the user's own view and an admin's view of the same subject.
        const [query, headers] = run % 2 === 0 ? [`limit=${limit}`, userToken] : [`limit=${limit}&user=${user}`, admin];
        const seen = await pageThrough(query, headers, (page) => insert(user, inserts[page % inserts.length] ?? 0));
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual([...before].sort((a, b) => Number(b) - Number(a)));
      }),
      { numRuns: 40 },
    );
  });

  it('pages a time window on (occurred_at, id), exactly once each, including records that share an instant', async () => {
    const user = 'windowed';
    // Three records per second (same instant within each triple), over ten seconds a day ago.
    await h.db.sql(
      `INSERT INTO audit_log (occurred_at, actor_id, actor_type, action, subject_user_id)
       SELECT date_trunc('second', now()) - interval '1 day' + (g / 3) * interval '1 second' + interval '0.000123 second', $1, 'user', 'key.tested', $1
       FROM generate_series(0, 29) AS g`,
      [user],
    );
    const inWindow = await h.db.sql<{ id: string }>(
      `SELECT id::text AS id FROM audit_log WHERE subject_user_id = $1 AND occurred_at >= date_trunc('second', now()) - interval '1 day' + interval '2 second'
         AND occurred_at < date_trunc('second', now()) - interval '1 day' + interval '8 second' ORDER BY occurred_at DESC, id DESC`,
      [user],
    );
    expect(inWindow).toHaveLength(18);
    const [bounds] = await h.db.sql<{ from: Date; to: Date }>(
      `SELECT date_trunc('second', now()) - interval '1 day' + interval '2 second' AS from, date_trunc('second', now()) - interval '1 day' + interval '8 second' AS to`,
    );
    const window = `from=${encodeURIComponent(bounds?.from.toISOString() ?? '')}&to=${encodeURIComponent(bounds?.to.toISOString() ?? '')}`;
    for (const [query, headers] of [
      [`limit=4&${window}`, { authorization: `Bearer ${await h.token(user)}` }],
      [`limit=5&user=${user}&${window}`, admin],
      [`limit=7&action=key.tested&${window}`, admin],
    ] as const) {
      const seen = await pageThrough(query, headers, () => insert(user, 2));
      expect(seen, query).toEqual(inWindow.map((r) => r.id));
    }
  });

  it('stays exact while other requests append records concurrently, and new records appear above the first page', async () => {
    const user = 'busy';
    const before = new Set((await insert(user, 400)).map((r) => r.id));
    const token = { authorization: `Bearer ${await h.token(user)}` };
    let writing = true;
    let writer: Promise<number> | undefined;
    // The writer starts once the first page is read, then appends while every later page is read.
    const startWriter = async () => {
      let written = 0;
      while (writing) {
        await insert(user, 3);
        written += 3;
      }
      return written;
    };
    const seen = await pageThrough('limit=17', token, async () => {
      writer ??= startWriter();
      await new Promise((resolve) => setImmediate(resolve));
    });
    writing = false;
    expect(await writer).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => !before.has(id))).toEqual([]);
    expect(seen).toHaveLength(400);
    const first = (await h.app.inject({ url: '/api/v1/audit?limit=5', headers: token })).json().items;
    expect(before.has(first[0].id)).toBe(false);
  });
});
