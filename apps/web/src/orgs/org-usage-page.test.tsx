// @vitest-environment happy-dom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UsageMetrics } from '../api/types.js';
import { OrgUsagePage } from './org-usage-page.js';
import type { OrgRole } from './org-types.js';
import { type FakeRequest, orgView, renderWithApi } from './testing/org-api.fixture.js';

afterEach(cleanup);

// uPlot draws on a canvas, which happy-dom does not have; the stand-in keeps what each chart was given.
const charts = vi.hoisted(() => [] as Array<{ series: Array<{ label?: string }>; data: unknown[][] }>);
vi.mock('uplot', () => ({
  default: class {
    constructor(options: { series: Array<{ label?: string }> }, data: unknown[][]) {
      charts.push({ series: options.series, data });
    }
    setSize() {}
    destroy() {}
  },
}));

function metrics(calls: number): UsageMetrics {
  return {
    calls,
    errors: 0,
    prompt_tokens: calls * 10,
    completion_tokens: calls * 5,
    byok_calls: calls,
    cost_micro: calls * 100,
    cost_usd: '0',
    credits_charged_micro: 0,
    credits_charged: '0',
    credits_saved_micro: calls * 100,
    credits_saved: '0',
    last_used_at: null,
  };
}

const GROUPS: Record<string, string[]> = { member: ['u-ann', 'u-bob'], provider: ['openai'], model: ['gpt-4o-mini'], day: [] };

/** The org usage route: per grouping a row per key, or nothing at all when `quiet`. */
function usageApi(quiet: boolean, scope: 'organization' | 'member') {
  return (r: FakeRequest) => {
    const url = new URL(r.path, 'http://page');
    if (url.pathname !== '/api/v1/orgs/o1/usage') return undefined;
    const groupBy = url.searchParams.get('group_by') ?? '';
    const keys = quiet ? [] : groupBy === 'day' ? [url.searchParams.get('to') ?? ''] : (GROUPS[groupBy] ?? []);
    const groups = keys.map((key, i) => ({ key, ...metrics(i + 3) }));
    const total = quiet ? 0 : 7;
    return { status: 200, body: { org_id: 'o1', scope, from: url.searchParams.get('from'), to: url.searchParams.get('to'), group_by: groupBy, groups, totals: metrics(total) } };
  };
}

describe('OrgUsagePage', () => {
  it('asks for every grouping over the range and lists usage by member for an admin', async () => {
    const { requests } = renderWithApi(<OrgUsagePage org={orgView({ role: 'admin' as OrgRole })} />, usageApi(false, 'organization'));
    const byMember = await screen.findByRole('table', { name: 'By member' });
    expect(within(byMember).getAllByRole('rowheader').map((th) => th.textContent)).toEqual(['u-bob', 'u-ann']);
    // The groupings arrive as separate requests; on a busy machine the others may land after the member table.
    expect((await screen.findByRole('table', { name: 'By provider' })).textContent).toContain('OpenAI');
    const asked = requests.filter((r) => r.path.startsWith('/api/v1/orgs/o1/usage')).map((r) => new URL(r.path, 'http://page').searchParams.get('group_by'));
    expect(asked.sort()).toEqual(['day', 'member', 'model', 'provider']);
    expect(screen.getByRole('button', { name: 'By member (CSV)' })).toBeTruthy();
    // Calls, tokens and cost per day, each one line over the range's days.
    await waitFor(() => expect(charts).toHaveLength(3));
    expect(charts.map((c) => c.series.map((s) => s.label))).toEqual([
      ['Day', 'All requests'],
      ['Day', 'All requests'],
      ['Day', 'All requests'],
    ]);
    expect(charts[0]?.data[0]).toHaveLength(30);
    // The credit balance is the user's, not the org's: not shown here.
    expect(screen.queryByTestId('stat-credits')).toBeNull();
  });

  it('tells a plain member it shows their own requests, without a member table', async () => {
    renderWithApi(<OrgUsagePage org={orgView({ role: 'member' })} />, usageApi(true, 'member'));
    await screen.findByRole('heading', { name: 'No requests in this range' });
    expect(screen.getByText(/Your own requests for Acme/)).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('table', { name: 'By member' })).toBeNull());
  });
});
