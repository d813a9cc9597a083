// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http.js';
import { BudgetForm } from './budget-form.js';
import type { BudgetInput } from './budgets-api.js';
import { budgetView } from './budget-view.fixture.js';

afterEach(cleanup);

const PROVIDERS = [
  { id: 'openai', name: 'OpenAI' },
  { id: 'groq', name: 'Groq' },
];
const KEYS = [{ id: 'k1', name: 'OpenAI “work”' }];

function setup(options: { initial?: ReturnType<typeof budgetView>; onSubmit?: (input: BudgetInput) => Promise<void> } = {}) {
  const onSubmit = vi.fn(options.onSubmit ?? (async () => undefined));
  render(<BudgetForm {...(options.initial ? { initial: options.initial } : {})} providers={PROVIDERS} keys={KEYS} onSubmit={onSubmit} onCancel={vi.fn()} />);
  const type = (label: string | RegExp, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
  const submit = () => fireEvent.click(screen.getByRole('button', { name: options.initial ? 'Save changes' : 'Create budget' }));
  return { onSubmit, type, submit };
}

describe('BudgetForm', () => {
  it('sends the budget as the API takes it: spend typed in dollars goes as micro-USD, empty limits left out', async () => {
    const { onSubmit, type, submit } = setup();
    type('Time zone', 'Europe/Berlin');
    type('Requests', '1000');
    type('Spend (USD)', '2.5');
    type(/Warn at/, '50, 90');
    submit();
    await waitFor(() => expect(onSubmit).toHaveBeenCalled());
    expect(onSubmit.mock.calls[0]?.[0]).toEqual({ scope: 'user', period: 'month', time_zone: 'Europe/Berlin', limits: { requests: 1000, spend_micro_usd: 2_500_000 }, thresholds: [50, 90], action: 'block' });
  });

  it('chooses providers and keys from lists, and offers disable_key for key budgets only', async () => {
    const { onSubmit, type, submit } = setup();
    type('Counts', 'provider');
    expect(screen.getByLabelText('Provider').tagName).toBe('SELECT');
    expect(screen.queryByRole('option', { name: 'Disable the key' })).toBeNull();
    type('Counts', 'key');
    type('Key', 'k1');
    type('When exhausted', 'disable_key');
    type('Tokens', '500');
    submit();
    await waitFor(() => expect(onSubmit).toHaveBeenCalled());
    expect(onSubmit.mock.calls[0]?.[0]).toMatchObject({ scope: 'key', scope_id: 'k1', action: 'disable_key', limits: { tokens: 500 } });
  });

  it("shows the API's 400 beside the field it names, and what belongs to no field above the buttons", async () => {
    const answers = [
      new ApiError(400, 'validation_failed', 'body/limits/requests: must be >= 0', null, [{ path: 'body/limits/requests', message: 'must be >= 0' }]),
      new ApiError(400, 'validation_failed', 'body/thresholds/1: must be <= 100', null, [{ path: 'body/thresholds/1', message: 'must be <= 100' }]),
      new ApiError(409, 'budget_exists', 'A month budget on this user scope already exists; change it instead of creating another'),
    ];
    const { type, submit } = setup({
      onSubmit: async () => {
        throw answers.shift();
      },
    });
    type('Requests', '-1');
    submit();
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('must be >= 0'));
    expect(screen.getByLabelText('Requests').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Requests').closest('.field')?.textContent).toContain('must be >= 0');
    submit();
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('must be <= 100'));
    expect(screen.getByLabelText(/Warn at/).getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Requests').getAttribute('aria-invalid')).toBe('false');
    submit();
    await waitFor(() => expect(screen.getByTestId('budget-form-error').textContent).toContain('already exists'));
  });

  it('sends text that is not a number as typed, so the API names the field', async () => {
    const { onSubmit, type, submit } = setup();
    type('Tokens', 'lots');
    type(/Warn at/, '80, x');
    submit();
    await waitFor(() => expect(onSubmit).toHaveBeenCalled());
    expect(onSubmit.mock.calls[0]?.[0]).toMatchObject({ limits: { tokens: 'lots' }, thresholds: [80, 'x'] });
  });

  it('edits a budget without letting its scope change, prefilled from it', async () => {
    const initial = budgetView({ scope: 'provider', scope_id: 'groq', limits: { spend_micro_usd: 1_500_000 }, thresholds: [75], action: 'notify', time_zone: 'Asia/Tokyo' });
    const { onSubmit, submit } = setup({ initial });
    expect(screen.getByLabelText('Counts').hasAttribute('disabled')).toBe(true);
    expect(screen.getByLabelText('Provider').hasAttribute('disabled')).toBe(true);
    expect((screen.getByLabelText('Spend (USD)') as HTMLInputElement).value).toBe('1.5');
    submit();
    await waitFor(() => expect(onSubmit).toHaveBeenCalled());
    expect(onSubmit.mock.calls[0]?.[0]).toEqual({ scope: 'provider', scope_id: 'groq', period: 'month', time_zone: 'Asia/Tokyo', limits: { spend_micro_usd: 1_500_000 }, thresholds: [75], action: 'notify' });
  });
});
