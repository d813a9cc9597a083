// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dialog } from './dialog.js';

afterEach(cleanup);

/** A dialog whose form is replaced by a result, as the key dialog does after "Save and test". */
function TwoStepDialog({ onClose }: { onClose: () => void }) {
  const [saved, setSaved] = useState(false);
  return (
    <Dialog title="Add a key" onClose={onClose}>
      {saved ? (
        <div key="result">
          <p>Saved.</p>
          <button type="button" data-autofocus onClick={onClose}>
            Done
          </button>
        </div>
      ) : (
        <form key="form">
          <button type="button" onClick={() => setSaved(true)}>
            Save and test
          </button>
        </form>
      )}
    </Dialog>
  );
}

// Issue #20 item 6: after "Save and test" focus fell to the page body and Escape did nothing.
describe('Dialog', () => {
  it('keeps focus inside when the focused element is replaced, so Escape still closes it', async () => {
    const onClose = vi.fn();
    render(<TwoStepDialog onClose={onClose} />);
    const save = screen.getByRole('button', { name: 'Save and test' });
    save.focus();
    fireEvent.click(save);
    const done = await screen.findByRole('button', { name: 'Done' });
    await waitFor(() => expect(document.activeElement).toBe(done));
    // A keyboard sends the key to whatever has focus.
    fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
