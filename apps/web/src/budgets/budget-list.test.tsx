// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BudgetList } from './budget-list.js';
import { budgetView } from './budget-view.fixture.js';

afterEach(cleanup);

describe('BudgetList', () => {
  it('draws a bar per limit with its use, the reset time, thresholds and action', () => {
    const budget = budgetView({ limits: { requests: 100, spend_micro_usd: 250_000 }, thresholds: [50, 75], action: 'notify' });
    render(<BudgetList budgets={[budget]} keyNames={new Map()} onEdit={vi.fn()} onDelete={vi.fn()} />);
    const card = screen.getByTestId('budget-card');
    expect(within(card).getByRole('heading').textContent).toBe('Monthly budget: All your requests');
    const bars = card.querySelectorAll('.budget-bars li');
    expect([...bars].map((li) => [li.getAttribute('data-metric'), li.getAttribute('data-state')])).toEqual([
      ['requests', 'warning'],
      ['spend_micro_usd', 'exhausted'],
    ]);
    expect([...card.querySelectorAll('[data-testid="budget-use"]')].map((e) => e.textContent)).toEqual(['50 of 100', '$0.25 of $0.25']);
    const meters = within(card).getAllByRole('meter');
    expect(meters.map((m) => m.getAttribute('value'))).toEqual(['50', '100']);
    expect(meters[0]?.getAttribute('aria-label')).toBe('Requests used');
    expect(card.querySelectorAll('.budget-bar-threshold')).toHaveLength(4);
    expect(within(card).getByTestId('budget-resets').getAttribute('datetime')).toBe('2027-01-01T00:00:00.000Z');
    expect(within(card).getByTestId('budget-thresholds').textContent).toBe('50%, 75%');
    expect(within(card).getByTestId('budget-action').textContent).toBe('Notify only');
    // The anchor a budget notification links to.
    expect(card.id).toBe(`budget-${budget.id}`);
  });

  it('offers edit and delete on budgets the user manages, and only reading on the ones their organization set', () => {
    const onEdit = vi.fn();
    const mine = budgetView();
    const theirs = budgetView({ id: 'b2', scope: 'org_member', scope_id: 'org-1/u1', org_id: 'org-1', can_manage: false, period: 'day' });
    render(<BudgetList budgets={[mine, theirs]} keyNames={new Map()} onEdit={onEdit} onDelete={vi.fn()} />);
    const [first, second] = screen.getAllByTestId('budget-card');
    if (!first || !second) throw new Error('two cards expected');
    fireEvent.click(within(first).getByRole('button', { name: 'Edit Monthly budget: All your requests' }));
    expect(onEdit).toHaveBeenCalledWith(mine);
    expect(within(second).queryByRole('button')).toBeNull();
    expect(second.textContent).toContain('Set by your organization’s owners or admins.');
  });
});
