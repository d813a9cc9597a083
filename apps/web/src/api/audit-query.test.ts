import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS as SERVER_PROVIDER_IDS } from '@byok/providers';
import { auditSearch } from './audit-query.js';
import { PROVIDER_IDS } from './provider-names.js';

const params = (search: string) => Object.fromEntries(new URLSearchParams(search));

describe('auditSearch', () => {
  it('reads a page after a cursor, with the filters set and nothing else', () => {
    expect(params(auditSearch({}, { cursor: null }))).toEqual({ limit: '25' });
    expect(params(auditSearch({ action: 'key.created', provider: 'groq' }, { cursor: 'c2' }))).toEqual({ action: 'key.created', provider: 'groq', limit: '25', cursor: 'c2' });
  });

  it('turns a range of local days into instants, the last day whole (the API’s `to` is exclusive)', () => {
    const search = params(auditSearch({ fromDay: '2026-12-01', toDay: '2026-12-07' }, { cursor: null }));
    expect(search.from).toBe(new Date(2026, 11, 1).toISOString());
    expect(search.to).toBe(new Date(2026, 11, 8).toISOString());
    expect(params(auditSearch({ fromDay: 'not-a-day' }, { cursor: null }))).toEqual({ limit: '25' });
  });

  it('asks an export for every matching record: a format, no page size, no cursor', () => {
    expect(params(auditSearch({ provider: 'openai' }, { format: 'jsonl' }))).toEqual({ provider: 'openai', format: 'jsonl' });
  });

  it('offers exactly the providers the API filters by', () => {
    expect([...PROVIDER_IDS].sort()).toEqual([...SERVER_PROVIDER_IDS].sort());
  });
});
