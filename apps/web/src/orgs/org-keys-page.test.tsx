// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderInfo } from '../api/types.js';
import { keyView } from '../keys/key-view.fixture.js';
import { OrgPage } from './org-page.js';
import type { OrgRole } from './org-types.js';
import { type FakeRequest, orgView, renderWithApi } from './testing/org-api.fixture.js';

afterEach(cleanup);

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
const ORG_KEYS = '/api/v1/orgs/o1/byok/keys';
const ORG_KEY = keyView({ id: 'k-org', masked_key: 'sk-proj-****9z9z' });

/** The org routes as the API answers a caller of `role`: managers get the keys, members a summary. */
function orgKeysApi(role: OrgRole) {
  return (r: FakeRequest) => {
    if (r.path === '/api/v1/orgs') return { status: 200, body: { orgs: [orgView({ role })] } };
    if (r.path === '/api/v1/llm/byok/providers') return { status: 200, body: { providers: [OPENAI] } };
    if (r.method === 'GET' && r.path === ORG_KEYS) {
      return role === 'member'
        ? { status: 200, body: {
            role,
            providers: [
              { provider: 'groq', keys: 1, enabled_keys: 0, usable: false, status: 'disabled' },
              { provider: 'openai', keys: 2, enabled_keys: 2, usable: true, status: 'valid' },
              { provider: 'perplexity', keys: 1, enabled_keys: 1, usable: true, status: 'rate_limited' },
            ],
          } }
        : { status: 200, body: { role, providers: [{ provider: 'openai', keys: 1, enabled_keys: 1, usable: true, status: 'valid' }], keys: [ORG_KEY] } };
    }
    if (r.method === 'POST' && r.path === `${ORG_KEYS}/by-id/k-org/test`) return { status: 200, body: { success: true, status: 'valid', message: null, models_count: 7 } };
    if (r.method === 'GET' && r.path === `${ORG_KEYS}/by-id/k-org`) return { status: 200, body: { ...ORG_KEY, models_count: 7 } };
    if (r.method === 'PATCH' && r.path === `${ORG_KEYS}/by-id/k-org`) return { status: 200, body: { ...ORG_KEY, ...(r.body as object), health: null } };
    return undefined;
  };
}

describe('OrgPage keys', () => {
  it('gives an admin the org’s keys on the same key cards, every call under the org’s routes', async () => {
    const { requests } = renderWithApi(<OrgPage id="o1" tab="keys" />, orgKeysApi('admin'));
    await screen.findByRole('heading', { name: 'Acme’s keys', level: 1 });
    const card = screen.getByRole('article', { name: 'OpenAI' });
    expect(within(card).getByText('sk-proj-****9z9z')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Keys' }).getAttribute('aria-current')).toBe('page');

    const test = within(card).getByRole('button', { name: 'Test OpenAI key' });
    await act(async () => fireEvent.click(test));
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('OpenAI key works: 7 models reachable.'));
    await act(async () => fireEvent.click(within(card).getByRole('switch', { name: 'OpenAI key enabled' })));
    await waitFor(() => expect(within(card).getByRole('switch', { name: 'OpenAI key enabled' }).getAttribute('aria-checked')).toBe('false'));

    const keyCalls = requests.filter((r) => r.path.includes('/keys')).map((r) => `${r.method} ${r.path}`);
    expect(keyCalls).toEqual([`GET ${ORG_KEYS}`, `POST ${ORG_KEYS}/by-id/k-org/test`, `GET ${ORG_KEYS}/by-id/k-org`, `PATCH ${ORG_KEYS}/by-id/k-org`]);
    expect(requests.find((r) => r.method === 'PATCH')?.body).toEqual({ enabled: false });
    // The user's own keys and platform-credit switch are not part of the org's view.
    expect(requests.some((r) => r.path.startsWith('/api/v1/llm/byok/keys') || r.path.startsWith('/api/v1/llm/byok/settings'))).toBe(false);

    fireEvent.click(within(card).getByRole('button', { name: 'Delete OpenAI key' }));
    expect(screen.getByRole('dialog', { name: 'Delete Acme’s OpenAI key?' })).toBeTruthy();
  });

  it('shows a plain member which providers are configured and their status, with no key hint and no controls', async () => {
    const { container, requests } = renderWithApi(<OrgPage id="o1" tab="keys" />, orgKeysApi('member'));
    const table = await screen.findByRole('table', { name: 'Providers with organization keys' });
    const rows = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((tr) => [...tr.children].map((cell) => cell.textContent));
    expect(rows).toEqual([
      ['Groq', '1', '0', 'Disabled', 'No'],
      ['OpenAI', '2', '2', 'Connected', 'Yes'],
      // A status this page does not know yet reads as the API spells it.
      ['Perplexity', '1', '1', 'rate limited', 'Yes'],
    ]);
    expect(container.textContent).not.toContain('****');
    expect(screen.queryByRole('article')).toBeNull();
    expect(screen.queryAllByRole('button')).toHaveLength(0);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/orgs', `GET ${ORG_KEYS}`]);
  });

  it('says “not found” for an org you are not a member of, as the API does', async () => {
    renderWithApi(<OrgPage id="o-other" tab="keys" />, orgKeysApi('owner'));
    await screen.findByRole('heading', { name: 'Organization not found' });
  });
});
