import type { BudgetView } from './budgets-api.js';

/** A budget as the API lists it, for component tests: a monthly user budget, half used. */
export function budgetView(overrides: Partial<BudgetView> = {}): BudgetView {
  return {
    id: 'b0000000-0000-4000-8000-000000000001',
    scope: 'user',
    scope_id: null,
    org_id: null,
    can_manage: true,
    period: 'month',
    time_zone: 'UTC',
    limits: { requests: 100 },
    thresholds: [80, 90],
    action: 'block',
    use: { requests: 50, tokens: 1_000, spend_micro_usd: 250_000 },
    remaining: { requests: 50 },
    period_start: '2026-12-01T00:00:00.000Z',
    resets_at: '2027-01-01T00:00:00.000Z',
    created_by: 'u1',
    created_at: '2026-12-01T10:00:00.000Z',
    updated_at: '2026-12-01T10:00:00.000Z',
    ...overrides,
  };
}
