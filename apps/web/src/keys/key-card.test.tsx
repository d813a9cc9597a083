// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KeyView, ProviderInfo } from '../api/types.js';
import { KeyCard } from './key-card.js';
import { byPriority, type MoveDirection, planMove } from './key-pool.js';
import { keyView } from './key-view.fixture.js';

const OPENAI: ProviderInfo = {
  id: 'openai',
  name: 'OpenAI',
  description: 'GPT models',
  recommended: false,
  key_format: { pattern: '^sk-', hint: 'sk- and more', example: 'sk-…', known_prefix: 'sk-' },
  model_prefixes: [],
  signup_url: 'https://openai.example/keys',
  docs_url: 'https://openai.example/docs',
};

afterEach(cleanup);

const noop = () => undefined;
const handlers = { onAdd: noop, onAddAnother: noop, onTest: noop, onToggle: noop, onReplace: noop, onDelete: noop, onModels: async () => undefined, onExpiry: async () => undefined };

/** The card over a list that a move really reorders, as the page's state does after the PATCHes. */
function MovableCard({ initial }: { initial: KeyView[] }) {
  const [keys, setKeys] = useState(initial);
  async function onMove(ordered: KeyView[], key: KeyView, direction: MoveDirection) {
    const changes = new Map(planMove(ordered, key.id, direction).map((c) => [c.id, c.priority]));
    await Promise.resolve();
    setKeys((current) => current.map((k) => ({ ...k, priority: changes.get(k.id) ?? k.priority })));
  }
  return <KeyCard provider={OPENAI} keys={byPriority(keys)} testing={new Set()} onMove={onMove} {...handlers} />;
}

const rowLabels = () => screen.getAllByRole('listitem').filter((li) => li.classList.contains('key-row')).map((li) => li.getAttribute('data-label'));

describe('KeyCard', () => {
  it('keeps the one-key card as it was: named "OpenAI key", no move buttons', () => {
    render(<KeyCard provider={OPENAI} keys={[keyView()]} testing={new Set()} onMove={async () => undefined} {...handlers} />);
    expect(screen.getByRole('button', { name: 'Test OpenAI key' })).toBeTruthy();
    expect(screen.getByRole('switch', { name: 'OpenAI key enabled' }).getAttribute('aria-checked')).toBe('true');
    expect(screen.queryByRole('button', { name: /Move/ })).toBeNull();
    expect(screen.getByRole('button', { name: 'Add another key for OpenAI' })).toBeTruthy();
  });

  it('lists the keys in priority order with label, health and the last 15 minutes', () => {
    const keys = [
      keyView({ id: 'b', label: 'backup', priority: 2, health: { state: 'circuit_open', cooldown_until: null, failing_since: null, last_15m: { requests: 9, errors: 5, p50_latency_ms: 410 } } }),
      keyView({ id: 'w', label: 'work', priority: 1, enabled: false }),
    ];
    render(<KeyCard provider={OPENAI} keys={byPriority(keys)} testing={new Set(['b'])} onMove={async () => undefined} {...handlers} />);
    expect(rowLabels()).toEqual(['work', 'backup']);
    // Each row is the anchor its key's notifications link to.
    expect(screen.getAllByRole('listitem').filter((li) => li.classList.contains('key-row')).map((li) => li.id)).toEqual(['key-w', 'key-b']);
    const backup = within(screen.getByRole('list', { name: 'OpenAI keys, in the order they are tried' })).getAllByRole('listitem')[1];
    if (!backup) throw new Error('no second row');
    expect(within(backup).getByTestId('key-health').textContent).toBe('Health: Circuit open');
    expect(within(backup).getByTestId('key-traffic').textContent).toBe('Last 15 minutes: 9 requests, 5 errors, p50 410 ms');
    expect(backup.getAttribute('data-status')).toBe('testing');
    expect(screen.getByRole('switch', { name: 'OpenAI key “work” enabled' }).getAttribute('aria-checked')).toBe('false');
    // Testing wins over disabled for the card's one word.
    expect(screen.getByTestId('provider-status').textContent).toBe('Status: Testing…');
  });

  it('says which keys take turns at the same priority', () => {
    render(<KeyCard provider={OPENAI} keys={byPriority([keyView({ id: 'a', label: 'a' }), keyView({ id: 'b', label: 'b' })])} testing={new Set()} onMove={async () => undefined} {...handlers} />);
    expect(screen.getAllByTestId('key-priority').map((dd) => dd.textContent)).toEqual(['1 · takes turns with b', '1 · takes turns with a']);
  });

  it('moves a key by keyboard and keeps focus on the moved key', async () => {
    render(<MovableCard initial={[keyView({ id: 'w', label: 'work', priority: 1 }), keyView({ id: 'b', label: 'backup', priority: 2 }), keyView({ id: 'o', label: 'old', priority: 3 })]} />);
    const up = screen.getByRole('button', { name: 'Move OpenAI key “backup” up' });
    up.focus();
    await act(async () => fireEvent.click(up));
    await waitFor(() => expect(rowLabels()).toEqual(['backup', 'work', 'old']));
    // Now first: "up" is at its end, so focus moves to the same key's "down".
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toBe('Move OpenAI key “backup” down'));
    expect(screen.getByRole('button', { name: 'Move OpenAI key “backup” up' }).getAttribute('aria-disabled')).toBe('true');

    const down = screen.getByRole('button', { name: 'Move OpenAI key “work” down' });
    down.focus();
    await act(async () => fireEvent.click(down));
    await waitFor(() => expect(rowLabels()).toEqual(['backup', 'old', 'work']));
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toBe('Move OpenAI key “work” up'));
  });

  it('ignores a press on a move button at the end of the list', () => {
    const onMove = vi.fn(async () => undefined);
    render(<KeyCard provider={OPENAI} keys={byPriority([keyView({ id: 'w', label: 'work', priority: 1 }), keyView({ id: 'b', label: 'backup', priority: 2 })])} testing={new Set()} onMove={onMove} {...handlers} />);
    fireEvent.click(screen.getByRole('button', { name: 'Move OpenAI key “work” up' }));
    fireEvent.click(screen.getByRole('button', { name: 'Move OpenAI key “backup” down' }));
    expect(onMove).not.toHaveBeenCalled();
  });
});
