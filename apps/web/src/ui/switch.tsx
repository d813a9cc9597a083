interface SwitchProps {
  checked: boolean;
  onChange: (checked: boolean) => void;
  /** The accessible name; give `labelledBy` instead when a visible label names it. */
  label?: string;
  labelledBy?: string;
  describedBy?: string;
  /** While a change is being saved: the switch stays focusable but ignores presses. */
  busy?: boolean;
  testId?: string;
}

/**
 * An on/off switch: a button with role="switch", so Space and Enter flip it and screen readers
 * say "on" or "off". It never becomes `disabled` while busy, which would drop keyboard focus.
 */
export function Switch({ checked, onChange, label, labelledBy, describedBy, busy = false, testId }: SwitchProps) {
  return (
    <button
      type="button"
      role="switch"
      className="switch"
      aria-checked={checked}
      {...(label ? { 'aria-label': label } : {})}
      {...(labelledBy ? { 'aria-labelledby': labelledBy } : {})}
      {...(describedBy ? { 'aria-describedby': describedBy } : {})}
      aria-busy={busy}
      {...(testId ? { 'data-testid': testId } : {})}
      onClick={() => !busy && onChange(!checked)}
    >
      <span className="switch-thumb" aria-hidden="true" />
      <span className="switch-text" aria-hidden="true">
        {checked ? 'On' : 'Off'}
      </span>
    </button>
  );
}
