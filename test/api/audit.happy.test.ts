import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, type AuditEntry } from '@byok/db';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF line ends) into rows of fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i += 2;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
    i++;
  }
  return rows;
}

/** A CSV export back into the JSON records: empty fields are nulls, `details` is JSON text. */
function csvToRecords(text: string): Array<Record<string, unknown>> {
  const [header = [], ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header.map((name, i) => [name, name === 'details' ? JSON.parse(r[i] ?? '{}') : r[i] === '' ? null : r[i]])));
}

/** The part of a JSON page these tests read. */
interface AuditPage {
  items: Array<{ id: string }>;
  next_cursor: string | null;
}

describe('audit API: happy paths', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let admin: Record<string, string>;

  const append = (entry: Partial<AuditEntry>) =>
    appendAudit(h.db.orm.em.fork(), { actorId: 'alice', actorType: 'user', action: 'key.created', subjectUserId: 'alice', ...entry });

  beforeAll(async () => {
    h = await startApiHarness('audit_happy');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
    await append({ action: 'key.created', provider: 'openai', ip: '10.0.0.1', userAgent: 'curl/8, "quoted"', details: { key_version: 1 } });
    await append({ action: 'key.replaced', provider: 'openai', details: { note: 'line one\r\nline two, with "quotes" and ünïcode ✓', nested: { a: [1, null] } } });
    await append({ action: 'key.created', provider: 'groq' });
    await append({ actorId: 'system', actorType: 'system', action: 'key.tested', provider: 'groq', details: { status: 'valid' } });
    await append({ actorId: 'bob', subjectUserId: 'bob', action: 'key.created', provider: 'openai' });
    await append({ actorId: 'root', actorType: 'admin', action: 'credits.granted', details: { amount_micro: 5 } });
  });
  afterAll(() => h.close());

  it("lists the caller's own records, newest first, with every field", async () => {
    const res = await h.app.inject({ url: '/api/v1/audit', headers: alice });
    expect(res.statusCode).toBe(200);
    const { items, next_cursor } = res.json();
    expect(next_cursor).toBeNull();
    expect(items.map((r: { action: string }) => r.action)).toEqual(['credits.granted', 'key.tested', 'key.created', 'key.replaced', 'key.created']);
    expect(items.every((r: { subject_user_id: string }) => r.subject_user_id === 'alice')).toBe(true);
    expect(items.at(-1)).toMatchObject({ actor_id: 'alice', actor_type: 'user', provider: 'openai', ip: '10.0.0.1', user_agent: 'curl/8, "quoted"', details: { key_version: 1 } });
    expect(Number(items[0].id)).toBeGreaterThan(Number(items[1].id));
    expect(Date.parse(items[0].occurred_at)).not.toBeNaN();
  });

  it('pages with an opaque cursor until next_cursor is null', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const body: AuditPage = (await h.app.inject({ url, headers: alice })).json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((r) => r.id));
      cursor = body.next_cursor;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect([...seen].sort((a, b) => Number(b) - Number(a))).toEqual(seen);
  });

  it("lets users narrow their own records by action and provider", async () => {
    const res = await h.app.inject({ url: '/api/v1/audit?action=key.created&provider=openai', headers: alice });
    expect(res.json().items.map((r: { action: string; provider: string }) => [r.action, r.provider])).toEqual([['key.created', 'openai']]);
  });

  it("lets admins read everyone's records and filter by user, action, provider and time", async () => {
    const all = (await h.app.inject({ url: '/api/v1/audit', headers: admin })).json().items;
    expect(all).toHaveLength(6);
    const bob = (await h.app.inject({ url: '/api/v1/audit?user=bob', headers: admin })).json().items;
    expect(bob.map((r: { subject_user_id: string }) => r.subject_user_id)).toEqual(['bob']);
    const openai = (await h.app.inject({ url: '/api/v1/audit?provider=openai&action=key.created', headers: admin })).json().items;
    expect(openai.map((r: { subject_user_id: string }) => r.subject_user_id)).toEqual(['bob', 'alice']);
    const [newest, , third] = all as Array<{ id: string; occurred_at: string }>;
    const from = third?.occurred_at ?? '';
    const window = (await h.app.inject({ url: `/api/v1/audit?from=${encodeURIComponent(from)}`, headers: admin })).json().items;
    expect(window.every((r: { occurred_at: string }) => r.occurred_at >= from)).toBe(true);
    expect(window.map((r: { id: string }) => r.id)).toContain(newest?.id);
    const none = (await h.app.inject({ url: `/api/v1/audit?to=${encodeURIComponent('2000-01-01T00:00:00Z')}`, headers: admin })).json();
    expect(none).toEqual({ items: [], next_cursor: null });
  });

  it('exports CSV and JSON lines that parse back to the same records as the JSON pages', async () => {
    const json = (await h.app.inject({ url: '/api/v1/audit?limit=500', headers: admin })).json().items;
    const csv = await h.app.inject({ url: '/api/v1/audit?format=csv', headers: admin });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(csvToRecords(csv.body)).toEqual(json);
    const jsonl = await h.app.inject({ url: '/api/v1/audit?format=jsonl', headers: admin });
    expect(jsonl.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(jsonl.body.endsWith('\n')).toBe(true);
    expect(jsonl.body.trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual(json);
  });

  it('chooses the export format from the Accept header when no format is given', async () => {
    const csv = await h.app.inject({ url: '/api/v1/audit', headers: { ...alice, accept: 'text/csv' } });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const jsonl = await h.app.inject({ url: '/api/v1/audit', headers: { ...alice, accept: 'application/x-ndjson' } });
    expect(jsonl.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const json = await h.app.inject({ url: '/api/v1/audit', headers: { ...alice, accept: 'application/json, text/csv' } });
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('streams exports larger than one internal page, honours limit as a cap, and resumes from a cursor', async () => {
    await h.db.sql(
      `INSERT INTO audit_log (actor_id, actor_type, action, subject_user_id, details)
       SELECT 'carol', 'user', 'key.created', 'carol', jsonb_build_object('i', i) FROM generate_series(1, 2500) AS i`,
    );
    const carol = { authorization: `Bearer ${await h.token('carol')}` };
    const all = (await h.app.inject({ url: '/api/v1/audit?format=jsonl', headers: carol })).body.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(all).toHaveLength(2500);
    expect(all.map((r) => r.details.i)).toEqual(Array.from({ length: 2500 }, (_, i) => 2500 - i));
    const capped = (await h.app.inject({ url: '/api/v1/audit?format=csv&limit=321', headers: carol })).body;
    expect(csvToRecords(capped)).toEqual(all.slice(0, 321));
    const page = (await h.app.inject({ url: '/api/v1/audit?limit=100', headers: carol })).json();
    const rest = (await h.app.inject({ url: `/api/v1/audit?format=jsonl&cursor=${page.next_cursor}`, headers: carol })).body.trimEnd().split('\n');
    expect(rest).toHaveLength(2400);
    expect(JSON.parse(rest[0] ?? '{}')).toEqual(all[100]);
  });

  it('documents the page and both export types in the OpenAPI document', async () => {
    const doc = (await h.app.inject({ url: '/docs/json' })).json();
    const responses = doc.paths['/api/v1/audit'].get.responses;
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '503']));
    expect(Object.keys(responses['200'].content)).toEqual(['application/json', 'text/csv', 'application/x-ndjson']);
  });

  it('exports just a header row when nothing matches', async () => {
    const res = await h.app.inject({ url: '/api/v1/audit?format=csv&action=nothing.here', headers: alice });
    expect(parseCsv(res.body)).toEqual([['id', 'occurred_at', 'actor_id', 'actor_type', 'action', 'subject_user_id', 'provider', 'key_id', 'request_id', 'trace_id', 'ip', 'user_agent', 'details']]);
    const jsonl = await h.app.inject({ url: '/api/v1/audit?format=jsonl&action=nothing.here', headers: alice });
    expect(jsonl.body).toBe('');
  });
});
