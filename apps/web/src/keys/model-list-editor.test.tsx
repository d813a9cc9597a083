// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http.js';
import { ModelListEditor } from './model-list-editor.js';

afterEach(cleanup);

function setup(models: string[] | null, onSave = vi.fn(async (_models: string[] | null) => undefined)) {
  render(<ModelListEditor models={models} keyName="OpenAI key “work”" onSave={onSave} />);
  const input = screen.getByLabelText('Model or glob for OpenAI key “work”') as HTMLInputElement;
  const add = (value: string) => {
    fireEvent.change(input, { target: { value } });
    fireEvent.click(screen.getByRole('button', { name: 'Add model to OpenAI key “work”' }));
  };
  const error = () => screen.getByTestId('model-error').textContent;
  return { input, add, error, onSave };
}

describe('ModelListEditor', () => {
  it('says a key without a list serves any model, and adds the first entry', async () => {
    const { add, onSave, input } = setup(null);
    expect(screen.getByTestId('model-summary').textContent).toBe('any model');
    add('  gpt-4o*  ');
    await waitFor(() => expect(onSave).toHaveBeenCalledWith(['gpt-4o*']));
    await waitFor(() => expect(input.value).toBe(''));
  });

  it('lists the entries and removes one by its labelled button', async () => {
    const { onSave, input } = setup(['gpt-4o*', 'o3-mini']);
    expect(screen.getByTestId('model-summary').textContent).toBe('only 2 entries');
    fireEvent.click(screen.getByRole('button', { name: 'Remove gpt-4o* from OpenAI key “work”' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledWith(['o3-mini']));
    // The pressed button leaves with its entry; focus goes to the field, not the page.
    await waitFor(() => expect(document.activeElement).toBe(input));
  });

  it('saves any model (null) when the last entry is removed', async () => {
    const { onSave } = setup(['o3-mini']);
    fireEvent.click(screen.getByRole('button', { name: 'Remove o3-mini from OpenAI key “work”' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledWith(null));
  });

  it('asks for a name when empty and refuses a duplicate, without calling the API', () => {
    const { add, error, onSave, input } = setup(['o3-mini']);
    add('   ');
    expect(error()).toMatch(/Type a model name/);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    add('o3-mini');
    expect(error()).toBe('o3-mini is already in the list.');
    expect(onSave).not.toHaveBeenCalled();
  });

  it("shows the API's 400 beside the field and keeps what was typed", async () => {
    const onSave = vi.fn(async () => {
      throw new ApiError(400, 'validation_error', 'models[1] "gpt 4o" may hold only letters, digits, ".", "-", "_", "/", ":" and "*".');
    });
    const { add, error, input } = setup(['o3-mini'], onSave);
    add('gpt 4o');
    await waitFor(() => expect(error()).toBe('models[1] "gpt 4o" may hold only letters, digits, ".", "-", "_", "/", ":" and "*".'));
    expect(screen.getByRole('alert').textContent).toBe(error());
    expect(input.value).toBe('gpt 4o');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(input, { target: { value: 'gpt-4o' } });
    expect(error()).toBe('');
  });
});
