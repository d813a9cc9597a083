// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http.js';
import { ExpiryEditor } from './expiry-editor.js';

afterEach(cleanup);

function setup(expiresAt: string | null, onSave = vi.fn(async (_at: string | null) => undefined)) {
  render(<ExpiryEditor expiresAt={expiresAt} keyName="OpenAI key “work”" onSave={onSave} />);
  const input = screen.getByLabelText('Day OpenAI key “work” expires') as HTMLInputElement;
  const set = (day: string) => {
    fireEvent.change(input, { target: { value: day } });
    fireEvent.click(screen.getByRole('button', { name: 'Set expiry of OpenAI key “work”' }));
  };
  return { input, set, onSave, error: () => screen.getByTestId('expiry-error').textContent };
}

describe('ExpiryEditor', () => {
  it('says when none is set, and saves the start of the chosen day in the reader’s zone', async () => {
    const { set, onSave } = setup(null);
    expect(screen.getByTestId('expiry-summary').textContent).toBe('not set');
    expect(screen.queryByRole('button', { name: 'Clear expiry of OpenAI key “work”' })).toBeNull();
    set('2027-03-01');
    await waitFor(() => expect(onSave).toHaveBeenCalledWith(new Date('2027-03-01T00:00:00').toISOString()));
  });

  it('clears a set expiry (null)', async () => {
    const { onSave } = setup('2027-03-01T00:00:00.000Z');
    expect(screen.getByTestId('expiry-summary').textContent).not.toBe('not set');
    fireEvent.click(screen.getByRole('button', { name: 'Clear expiry of OpenAI key “work”' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledWith(null));
  });

  it("asks for a day when none is picked, and shows the API's 400 beside the field", async () => {
    const onSave = vi.fn(async () => {
      throw new ApiError(400, 'validation_failed', 'body/expires_at: must be in the future (null clears it)');
    });
    const { set, error, input } = setup(null, onSave);
    set('');
    expect(error()).toBe('Pick the day the key stops working.');
    expect(onSave).not.toHaveBeenCalled();
    set('2020-01-01');
    await waitFor(() => expect(error()).toBe('body/expires_at: must be in the future (null clears it)'));
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });
});
