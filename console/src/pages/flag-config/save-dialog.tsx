import { Dialog } from '../../components/dialog.tsx';
import { DialogFooter } from '../../components/dialog-footer.tsx';
import type { EditableConfig } from './api.ts';
import { DiffView } from './diff.tsx';

/** Shows what a save changes, as a diff of the configuration, before writing it. */
export function SaveDialog({
  title,
  before,
  after,
  busy,
  onSave,
  onCancel,
}: {
  title: string;
  before: EditableConfig;
  after: EditableConfig;
  busy: boolean;
  onSave: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog title={title} onClose={onCancel}>
      <DiffView before={before} after={after} label="Lines marked − are removed, lines marked + are added." />
      <DialogFooter disabled={busy} onCancel={onCancel} submitLabel="Save" onSubmit={onSave} />
    </Dialog>
  );
}
