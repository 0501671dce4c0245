import type { ReactNode } from 'react';

/**
 * The end of a dialog: the error that stopped the last attempt, then Cancel and the button that
 * does the dialog's work. Without `onSubmit` that button submits the form around it.
 */
export function DialogFooter({
  error,
  disabled,
  onCancel,
  submitLabel,
  tone = 'primary',
  onSubmit,
  cancelLabel = 'Cancel',
}: {
  error?: string | null;
  disabled: boolean;
  onCancel: () => void;
  submitLabel: ReactNode;
  tone?: 'primary' | 'danger';
  onSubmit?: () => void;
  cancelLabel?: string;
}) {
  return (
    <>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button secondary" onClick={onCancel}>
          {cancelLabel}
        </button>
        <button type={onSubmit ? 'button' : 'submit'} className={`button ${tone}`} onClick={onSubmit} disabled={disabled}>
          {submitLabel}
        </button>
      </div>
    </>
  );
}
