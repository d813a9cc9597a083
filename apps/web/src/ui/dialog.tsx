import { type ReactNode, useId, useRef } from 'react';
import { useFocusTrap } from './focus-trap.js';

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** A short line under the title, read with it by screen readers. */
  description?: string;
}

/** A modal: labelled by its title, focus kept inside, Escape or the backdrop closes it. */
export function Dialog({ title, onClose, children, description }: DialogProps) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  useFocusTrap(ref, onClose);

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click beside the dialog is a mouse shortcut; keyboards have Escape and the Close button.
    <div className="backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div
        ref={ref}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        {...(description ? { 'aria-describedby': descriptionId } : {})}
        tabIndex={-1}
      >
        <div className="dialog-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        {description ? (
          <p id={descriptionId} className="muted">
            {description}
          </p>
        ) : null}
        {children}
      </div>
    </div>
  );
}
