import { useEffect, useState } from 'react';
import { ApiError, describeError } from '../../api/client.ts';
import { getFlag, toggleFlag } from '../../api/flags.ts';
import type { Environment, Flag, FlagConfig } from '../../api/types.ts';
import { Dialog } from '../../components/dialog.tsx';
import { DialogFooter } from '../../components/dialog-footer.tsx';

const word = (on: boolean) => (on ? 'on' : 'off');

/**
 * Asks before a production toggle. It reads the flag's configuration version when it opens and sends it
 * as If-Match, so the change confirmed is made only if nobody changed the flag there in between.
 */
export function ConfirmToggleDialog({
  flag,
  environment,
  on,
  onDone,
  onCancel,
}: {
  flag: Flag;
  environment: Environment;
  on: boolean;
  onDone: (config: FlagConfig) => void;
  onCancel: () => void;
}) {
  const [current, setCurrent] = useState<{ on: boolean; version: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [reads, setReads] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `reads` asks for a fresh read after a refused write
  useEffect(() => {
    let live = true;
    getFlag(flag.key).then(
      (detail) => live && setCurrent(detail.environments[environment.key] ?? null),
      (caught: unknown) => live && setError(describeError(caught)),
    );
    return () => {
      live = false;
    };
  }, [flag.key, environment.key, reads]);

  const confirm = async () => {
    if (!current) return;
    setBusy(true);
    setError(null);
    try {
      onDone(await toggleFlag(flag.key, environment.key, on, current.version));
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 412) {
        setError(`Someone changed ${flag.key} in ${environment.name} since this dialog opened. Check its state below, then confirm again.`);
        setCurrent(null);
        setReads((n) => n + 1);
      } else {
        setError(describeError(caught));
      }
    } finally {
      setBusy(false);
    }
  };

  const already = current !== null && current.on === on;
  return (
    <Dialog title={`Turn ${word(on)} ${flag.key} in ${environment.name}?`} onClose={onCancel}>
      <p>
        <strong>{flag.name}</strong> (<code>{flag.key}</code>) in <strong>{environment.name}</strong>:{' '}
        <span className="transition">
          {word(!on)} → {word(on)}
        </span>
      </p>
      <p>This changes what users in {environment.name} get within seconds.</p>
      {already && <p role="status">It is already {word(on)} there: someone changed it in the meantime.</p>}
      <DialogFooter
        error={error}
        disabled={busy || !current || already}
        onCancel={onCancel}
        submitLabel={`Turn ${word(on)} in ${environment.name}`}
        tone={on ? 'primary' : 'danger'}
        onSubmit={confirm}
      />
    </Dialog>
  );
}
