// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http.js';
import type { ProviderInfo } from '../api/types.js';
import { KeyForm } from './key-form.js';

// Three providers as GET /providers describes them: a prefixed, a hex-only and a prefix-less format.
// (key-format.test.ts checks against the server's own patterns for all eight.)
function provider(id: string, name: string, pattern: string, hint: string, example: string): ProviderInfo {
  return {
    id,
    name,
    description: `${name} models`,
    recommended: id === 'openrouter',
    key_format: { pattern, hint, example, known_prefix: '' },
    model_prefixes: [],
    signup_url: `https://${id}.example/keys`,
    docs_url: `https://${id}.example/docs`,
  };
}
const GROQ = provider('groq', 'Groq', '^gsk_[A-Za-z0-9]{48}$', 'gsk_ followed by 48 letters and digits', 'gsk_…');
const OPENROUTER = provider('openrouter', 'OpenRouter', '^sk-or-v1-[a-f0-9]{64}$', 'sk-or-v1- followed by 64 hex characters', 'sk-or-v1-…');
const COHERE = provider('cohere', 'Cohere', '^[A-Za-z0-9]{40}$', '40 letters and digits with no prefix', '…');

const WELL_FORMED: Record<string, string> = {
  groq: `gsk_${'a1B2'.repeat(12)}`,
  openrouter: `sk-or-v1-${'0f9a'.repeat(16)}`,
  cohere: 'a1B2'.repeat(10),
};

afterEach(cleanup);

function setup(p: ProviderInfo, onSave = vi.fn(async () => undefined)) {
  render(<KeyForm provider={p} onSave={onSave} />);
  const input = screen.getByLabelText(`${p.name} API key`);
  const type = (value: string) => fireEvent.change(input, { target: { value } });
  const save = () => fireEvent.click(screen.getByRole('button', { name: 'Save and test' }));
  const feedback = () => screen.getByTestId('key-feedback').textContent ?? '';
  return { input, type, save, feedback, onSave };
}

describe('KeyForm: soft format check per provider', () => {
  it.each([GROQ, OPENROUTER, COHERE])('$name: a well-formed key reads as recognised and saves as typed', async (p) => {
    const { type, save, feedback, onSave } = setup(p);
    type(WELL_FORMED[p.id] ?? '');
    expect(feedback()).toBe(`Looks like ${p.name === 'OpenRouter' ? 'an' : 'a'} ${p.name} key.`);
    expect(screen.queryByLabelText(/Save anyway/)).toBeNull();
    save();
    await waitFor(() => expect(onSave).toHaveBeenCalledWith(WELL_FORMED[p.id], false, false));
  });

  it.each([GROQ, OPENROUTER, COHERE])('$name: a key in another format gets a warning naming the expected format, and is not saved', (p) => {
    const { type, save, feedback, input, onSave } = setup(p);
    type(`${WELL_FORMED[p.id]}Z`);
    expect(feedback()).toBe(`This doesn't look like ${p.name === 'OpenRouter' ? 'an' : 'a'} ${p.name} key: expected ${p.key_format.hint}.`);
    save();
    expect(onSave).not.toHaveBeenCalled();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(input);
  });

  it('checks as you type: the warning comes and goes with the text', () => {
    const { type, feedback } = setup(GROQ);
    type('gsk_');
    expect(feedback()).toMatch(/doesn't look like a Groq key/);
    type(WELL_FORMED.groq ?? '');
    expect(feedback()).toBe('Looks like a Groq key.');
    // An OpenRouter key pasted into the Groq form is the classic mistake.
    type(WELL_FORMED.openrouter ?? '');
    expect(feedback()).toMatch(/expected gsk_ followed by 48 letters and digits/);
  });
});

describe('KeyForm: empty and whitespace', () => {
  it.each([
    ['empty', ''],
    ['spaces', '   '],
    ['a line break and a tab', '\n\t'],
  ])('%s: says to paste the key and does not save', (_name, value) => {
    const { type, save, feedback, onSave } = setup(GROQ);
    type(value);
    // Nothing is said before the first attempt; an empty field is not an error yet.
    expect(feedback()).toBe('');
    save();
    expect(feedback()).toBe('Paste your key.');
    expect(onSave).not.toHaveBeenCalled();
  });

  it('trims the whitespace copy and paste adds around a key', async () => {
    const { type, save, onSave } = setup(GROQ);
    type(`  ${WELL_FORMED.groq}\n`);
    save();
    await waitFor(() => expect(onSave).toHaveBeenCalledWith(WELL_FORMED.groq, false, false));
  });

  it('blocks whitespace inside a key, with no override', () => {
    const key = WELL_FORMED.groq ?? '';
    const { type, save, feedback, onSave } = setup(GROQ);
    type(`${key.slice(0, 20)} ${key.slice(20)}`);
    expect(feedback()).toMatch(/no spaces or line breaks/);
    expect(screen.queryByLabelText(/Save anyway/)).toBeNull();
    save();
    expect(onSave).not.toHaveBeenCalled();
  });
});

describe('KeyForm: allow an unrecognised format', () => {
  it('saves a key in an unknown format only after "Save anyway", and says so to the server', async () => {
    const { type, save, onSave } = setup(GROQ);
    type('gsk_new-format-2027');
    save();
    expect(onSave).not.toHaveBeenCalled();
    fireEvent.click(screen.getByLabelText(/Save anyway/));
    save();
    await waitFor(() => expect(onSave).toHaveBeenCalledWith('gsk_new-format-2027', true, false));
  });

  it('forgets the override question once the key matches again', () => {
    const { type } = setup(GROQ);
    type('gsk_new-format');
    fireEvent.click(screen.getByLabelText(/Save anyway/));
    type(WELL_FORMED.groq ?? '');
    expect(screen.queryByLabelText(/Save anyway/)).toBeNull();
  });

  it("shows the server's refusal in words and lets the user try again", async () => {
    const onSave = vi.fn(async () => {
      throw new ApiError(400, 'invalid_key_format', 'A Groq key looks like gsk_ followed by 48 letters and digits.');
    });
    const { type, save } = setup(GROQ, onSave);
    type(WELL_FORMED.groq ?? '');
    save();
    expect((await screen.findByRole('alert')).textContent).toBe('A Groq key looks like gsk_ followed by 48 letters and digits.');
    expect(screen.getByRole('button', { name: 'Save and test' }).hasAttribute('disabled')).toBe(false);
  });

  it('links to where a key comes from', () => {
    setup(OPENROUTER);
    expect(screen.getByRole('link', { name: 'Get an OpenRouter key' }).getAttribute('href')).toBe('https://openrouter.example/keys');
  });
});

// Issue #20 item 5: a wrong replacement overwrote a working key with no undo.
describe('KeyForm: test before replacing', () => {
  function setupReplacing(onSave: (apiKey: string, allow: boolean, testFirst: boolean) => Promise<void>) {
    render(<KeyForm provider={GROQ} onSave={onSave} replacing />);
    fireEvent.change(screen.getByLabelText('Groq API key'), { target: { value: WELL_FORMED.groq } });
    return screen.getByLabelText(/Test before replacing/) as HTMLInputElement;
  }

  it('is offered only for a replacement, checked by default, and asks the API to test first', async () => {
    const onSave = vi.fn(async () => undefined);
    const option = setupReplacing(onSave);
    expect(option.checked).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Test and replace' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledWith(WELL_FORMED.groq, false, true));
    cleanup();
    setup(GROQ);
    expect(screen.queryByLabelText(/Test before replacing/)).toBeNull();
  });

  it('replaces without a test first once unchecked', async () => {
    const onSave = vi.fn(async () => undefined);
    fireEvent.click(setupReplacing(onSave));
    fireEvent.click(screen.getByRole('button', { name: 'Replace and test' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledWith(WELL_FORMED.groq, false, false));
  });

  it("shows the failed test's reason and keeps the form for another try", async () => {
    const onSave = vi.fn(async () => {
      throw new ApiError(422, 'key_test_failed', 'Groq rejected the key: Invalid API Key. Your current key was kept.');
    });
    setupReplacing(onSave);
    fireEvent.click(screen.getByRole('button', { name: 'Test and replace' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Groq rejected the key: Invalid API Key. Your current key was kept.');
    expect(screen.getByRole('button', { name: 'Test and replace' }).hasAttribute('disabled')).toBe(false);
  });
});

// Issue #14: a second key for a provider needs its own label.
describe('KeyForm: another key asks for a label', () => {
  function setupLabelled(onSave = vi.fn(async () => undefined)) {
    render(<KeyForm provider={GROQ} onSave={onSave} askLabel={{ taken: ['default', 'Work'] }} />);
    const label = screen.getByLabelText('Label') as HTMLInputElement;
    fireEvent.change(screen.getByLabelText('Groq API key'), { target: { value: WELL_FORMED.groq } });
    const save = () => fireEvent.click(screen.getByRole('button', { name: 'Save and test' }));
    return { label, save, onSave };
  }

  it('saves the key under the trimmed label', async () => {
    const { label, save, onSave } = setupLabelled();
    fireEvent.change(label, { target: { value: '  backup ' } });
    save();
    await waitFor(() => expect(onSave).toHaveBeenCalledWith(WELL_FORMED.groq, false, false, 'backup'));
  });

  it('refuses an empty label and one the provider already has (ignoring case), focusing the field', () => {
    const { label, save, onSave } = setupLabelled();
    save();
    expect(screen.getByTestId('label-feedback').textContent).toMatch(/Give the key a label/);
    expect(document.activeElement).toBe(label);
    fireEvent.change(label, { target: { value: 'work' } });
    save();
    expect(screen.getByTestId('label-feedback').textContent).toBe('You already have a key labelled “work” for this provider.');
    expect(label.getAttribute('aria-invalid')).toBe('true');
    expect(onSave).not.toHaveBeenCalled();
  });

  it("shows the API's refusal (too many keys) in the form", async () => {
    const onSave = vi.fn(async () => {
      throw new ApiError(400, 'too_many_keys', 'You have 10 Groq keys, the most allowed. Delete one before adding another.');
    });
    const { label, save } = setupLabelled(onSave);
    fireEvent.change(label, { target: { value: 'eleventh' } });
    save();
    expect((await screen.findByRole('alert')).textContent).toBe('You have 10 Groq keys, the most allowed. Delete one before adding another.');
  });
});
