// @vitest-environment happy-dom
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { byokApi } from '../api/byok-api.js';
import { createApiClient } from '../api/http.js';
import { AppContext } from '../app/app-context.js';
import { budgetView } from './budget-view.fixture.js';
import type { BudgetView } from './budgets-api.js';
import { KeyBudgetsProvider, KeyBudgetWarning } from './key-budget-warning.js';

afterEach(cleanup);

function renderWarnings(budgets: BudgetView[] | 'fails', keyIds: string[]) {
  const fetchImpl = async () =>
    budgets === 'fails'
      ? new Response(JSON.stringify({ error: { code: 'db_unavailable', message: 'down' } }), { status: 503 })
      : new Response(JSON.stringify({ budgets }), { status: 200, headers: { 'content-type': 'application/json' } });
  const client = createApiClient({ token: 't', onUnauthorized: () => undefined, fetchImpl });
  render(
    <AppContext.Provider value={{ api: byokApi(client), client, session: { token: 't', expiresAtMs: null, userId: 'u1', admin: false }, signOut: () => undefined }}>
      <KeyBudgetsProvider>
        {keyIds.map((id) => (
          <div key={id} data-testid={`card-${id}`}>
            <KeyBudgetWarning keyId={id} />
          </div>
        ))}
        <span data-testid="rendered" />
      </KeyBudgetsProvider>
    </AppContext.Provider>,
  );
}

describe('KeyBudgetWarning', () => {
  it("warns on a key's card once a key budget reaches its first threshold, and says when it is exhausted", async () => {
    renderWarnings(
      [
        budgetView({ id: 'a', scope: 'key', scope_id: 'k-warn', limits: { requests: 100 }, use: { requests: 85, tokens: 0, spend_micro_usd: 0 }, thresholds: [80, 90] }),
        budgetView({ id: 'b', scope: 'key', scope_id: 'k-ok', limits: { requests: 100 }, use: { requests: 79, tokens: 0, spend_micro_usd: 0 }, thresholds: [80] }),
        budgetView({ id: 'c', scope: 'key', scope_id: 'k-out', limits: { tokens: 10 }, use: { requests: 1, tokens: 12, spend_micro_usd: 0 } }),
        // A user budget says nothing about any one key.
        budgetView({ id: 'd', scope: 'user', limits: { requests: 1 }, use: { requests: 5, tokens: 0, spend_micro_usd: 0 } }),
      ],
      ['k-warn', 'k-ok', 'k-out', 'k-none'],
    );
    await waitFor(() => expect(screen.getAllByTestId('key-budget-warning')).toHaveLength(2));
    expect(screen.getByTestId('card-k-warn').textContent).toBe('85% of its budget used this period. See budgets');
    expect(screen.getByTestId('card-k-out').textContent).toBe('Budget exhausted this period. See budgets');
    expect(screen.getByTestId('card-k-ok').textContent).toBe('');
    expect(screen.getByTestId('card-k-none').textContent).toBe('');
  });

  it('leaves the cards as they are when the budgets cannot be loaded', async () => {
    renderWarnings('fails', ['k1']);
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByTestId('key-budget-warning')).toBeNull();
    expect(screen.getByTestId('rendered')).toBeTruthy();
  });
});
