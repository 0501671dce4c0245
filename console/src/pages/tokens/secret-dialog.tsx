import { useId, useRef, useState } from 'react';
import { Dialog } from '../../components/dialog.tsx';
import type { CreatedToken } from './tokens-api.ts';

/**
 * The new token's secret, shown this once: the server stores only its hash. Copy puts it on the
 * clipboard; where the browser refuses that, the field is selected for the person to copy by hand.
 */
export function SecretDialog({ token, onClose }: { token: CreatedToken; onClose: () => void }) {
  const id = useId();
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string>('');

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.secret);
      setCopied('Copied to the clipboard.');
    } catch {
      field.current?.focus();
      field.current?.select();
      setCopied('The browser did not allow copying: the secret is selected, copy it with Ctrl+C (⌘C).');
    }
  };

  return (
    <Dialog title={`The secret of ${token.name}`} onClose={onClose}>
      <p className="warning" id={`${id}-warning`}>
        <strong>Copy it now: it will not be shown again.</strong> Switchyard keeps only a hash of it. If it is lost, rotate or revoke the
        token and make a new one.
      </p>
      <label htmlFor={`${id}-secret`}>Secret</label>
      <input
        id={`${id}-secret`}
        ref={field}
        className="secret"
        value={token.secret}
        readOnly
        spellCheck={false}
        aria-describedby={`${id}-warning`}
        onFocus={(e) => e.currentTarget.select()}
      />
      <p className="notice" role="status">
        {copied}
      </p>
      <div className="dialog-actions">
        <button type="button" className="button secondary" onClick={copy}>
          Copy secret
        </button>
        <button type="button" className="button primary" onClick={onClose}>
          I have stored it
        </button>
      </div>
    </Dialog>
  );
}
