import { type RefObject, useEffect, useRef } from 'react';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Keeps Tab inside `container` while it is mounted, moves focus into it, and gives focus back
 * to whatever had it before (the button that opened the dialog) when it unmounts. When the
 * focused element disappears with a change of the dialog's content (a form replaced by its
 * result), focus moves to the new content's autofocus element instead of falling to the page
 * body, where Escape and Tab would no longer reach the dialog.
 */
export function useFocusTrap(container: RefObject<HTMLElement | null>, onEscape: () => void): void {
  // Escape calls the latest handler; the trap itself is set up once per opening, since setting it
  // up again would move focus back to the first field.
  const onEscapeRef = useRef(onEscape);
  onEscapeRef.current = onEscape;
  useEffect(() => {
    const root = container.current;
    if (!root) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const focusables = () => Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => !el.hasAttribute('hidden'));
    const initialOf = () => root.querySelector<HTMLElement>('[data-autofocus]') ?? focusables()[0] ?? root;
    initialOf().focus();
    // Browsers fire no focus event when the focused element is removed (or disabled, like a
    // submit button while saving), so watch the content for both.
    const recover = new MutationObserver(() => {
      const active = document.activeElement;
      if (active === null || active === document.body) initialOf().focus();
    });
    recover.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['disabled'] });

    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        onEscapeRef.current();
        return;
      }
      if (event.key !== 'Tab') return;
      const items = focusables();
      const first = items[0];
      const last = items[items.length - 1];
      if (!first || !last) {
        event.preventDefault();
        return;
      }
      const active = document.activeElement;
      if (event.shiftKey && (active === first || !root.contains(active))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (active === last || !root.contains(active))) {
        event.preventDefault();
        first.focus();
      }
    };
    root.addEventListener('keydown', onKeyDown);
    return () => {
      recover.disconnect();
      root.removeEventListener('keydown', onKeyDown);
      // The opener may have been re-rendered away (a card that changed state); fall back quietly.
      if (previous?.isConnected) previous.focus();
    };
  }, [container]);
}
