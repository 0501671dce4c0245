/** An on/off switch: a button with role="switch", so screen readers say "on" or "off" and Space flips it. */
export function Switch({
  on,
  label,
  busy,
  readOnly,
  onChange,
}: {
  on: boolean;
  label: string;
  busy?: boolean;
  /** Shown but not switchable (a viewer of the environment), saying why. */
  readOnly?: string;
  onChange: (on: boolean) => void;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={on}
      aria-label={label}
      aria-busy={busy || undefined}
      disabled={busy || readOnly !== undefined}
      title={readOnly}
      className="switch"
      onClick={() => onChange(!on)}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      <span className="switch-text" aria-hidden="true">
        {on ? 'On' : 'Off'}
      </span>
    </button>
  );
}
