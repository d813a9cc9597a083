// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { byokApi } from '../api/byok-api.js';
import { createApiClient } from '../api/http.js';
import { AppContext } from '../app/app-context.js';
import { ToastProvider } from '../ui/toasts.js';
import { BudgetsPage } from './budgets-page.js';
import { budgetView } from './budget-view.fixture.js';

afterEach(cleanup);

type Handler = (body: unknown) => { status: number; body: unknown };

/** The page over the real API client, the server's answers scripted per method and path. */
function setup(routes: Record<string, Handler>) {
  const requests: Array<{ route: string; body: unknown }> = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    const route = `${init?.method ?? 'GET'} ${String(input)}`;
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : null;
    requests.push({ route, body });
    const answer = routes[route]?.(body) ?? { status: 404, body: { error: { code: 'not_found', message: `no route ${route}` } } };
    return new Response(answer.status === 204 ? null : JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
  };
  const client = createApiClient({ token: 't', onUnauthorized: () => undefined, fetchImpl });
  render(
    <AppContext.Provider value={{ api: byokApi(client), client, session: { token: 't', expiresAtMs: null, userId: 'u1', admin: false }, signOut: () => undefined }}>
      <ToastProvider>
        <BudgetsPage />
      </ToastProvider>
    </AppContext.Provider>,
  );
  return requests;
}

const NO_CHOICES = {
  'GET /api/v1/llm/byok/providers': () => ({ status: 200, body: { providers: [] } }),
  'GET /api/v1/llm/byok/keys': () => ({ status: 200, body: { keys: [] } }),
};

describe('BudgetsPage', () => {
  it('lists the budgets, creates one through the dialog and shows it after reloading', async () => {
    const budgets = [budgetView()];
    const requests = setup({
      ...NO_CHOICES,
      'GET /api/v1/llm/budgets': () => ({ status: 200, body: { budgets } }),
      'POST /api/v1/llm/budgets': (body) => {
        const created = budgetView({ id: 'b2', period: 'day', limits: { tokens: 10 } });
        budgets.push(created);
        return { status: 201, body: { ...created, sent: body } };
      },
    });
    await waitFor(() => expect(screen.getAllByTestId('budget-card')).toHaveLength(1));
    fireEvent.click(screen.getByRole('button', { name: 'New budget' }));
    const dialog = screen.getByRole('dialog', { name: 'New budget' });
    fireEvent.change(within(dialog).getByLabelText('Period'), { target: { value: 'day' } });
    fireEvent.change(within(dialog).getByLabelText('Tokens'), { target: { value: '10' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create budget' }));
    await waitFor(() => expect(screen.getAllByTestId('budget-card')).toHaveLength(2));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(requests.find((r) => r.route === 'POST /api/v1/llm/budgets')?.body).toMatchObject({ scope: 'user', period: 'day', limits: { tokens: 10 } });
  });

  it("keeps the dialog open with the API's 400 beside the field", async () => {
    setup({
      ...NO_CHOICES,
      'GET /api/v1/llm/budgets': () => ({ status: 200, body: { budgets: [] } }),
      'POST /api/v1/llm/budgets': () => ({
        status: 400,
        body: { error: { code: 'validation_failed', message: 'body/time_zone: is not an IANA time zone name', request_id: 'r', details: [{ path: 'body/time_zone', message: 'is not an IANA time zone name' }] } },
      }),
    });
    await waitFor(() => expect(screen.getByText('No budgets yet')).toBeTruthy());
    fireEvent.click(screen.getByRole('button', { name: 'New budget' }));
    const dialog = screen.getByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Time zone'), { target: { value: 'Mars/Olympus' } });
    fireEvent.change(within(dialog).getByLabelText('Requests'), { target: { value: '5' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create budget' }));
    await waitFor(() => expect(within(dialog).getByRole('alert').textContent).toBe('is not an IANA time zone name'));
    expect(within(dialog).getByLabelText('Time zone').getAttribute('aria-invalid')).toBe('true');
  });

  it('changes a budget with PATCH (without its scope) and deletes one after asking', async () => {
    let budgets = [budgetView({ scope: 'provider', scope_id: 'openai' })];
    const requests = setup({
      ...NO_CHOICES,
      'GET /api/v1/llm/budgets': () => ({ status: 200, body: { budgets } }),
      [`PATCH /api/v1/llm/budgets/${budgets[0]?.id}`]: () => ({ status: 200, body: budgets[0] }),
      [`DELETE /api/v1/llm/budgets/${budgets[0]?.id}`]: () => {
        budgets = [];
        return { status: 204, body: null };
      },
    });
    await waitFor(() => expect(screen.getAllByTestId('budget-card')).toHaveLength(1));
    fireEvent.click(screen.getByRole('button', { name: /^Edit/ }));
    fireEvent.change(screen.getByLabelText('Requests'), { target: { value: '7' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(requests.some((r) => r.route.startsWith('PATCH'))).toBe(true));
    const patch = requests.find((r) => r.route.startsWith('PATCH'))?.body;
    expect(patch).toEqual({ period: 'month', time_zone: 'UTC', limits: { requests: 7 }, thresholds: [80, 90], action: 'block' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    fireEvent.click(screen.getByRole('button', { name: /^Delete/ }));
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Delete this budget?' })).getByRole('button', { name: 'Delete budget' }));
    await waitFor(() => expect(screen.getByText('No budgets yet')).toBeTruthy());
  });
});
