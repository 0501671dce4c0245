import { ApiError } from '../../api/client.ts';
import { setFlagArchived } from '../../api/flags.ts';
import type { Flag } from '../../api/types.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';

/**
 * Asks before archiving a flag. `evaluatedIn` names the environments where SDKs still evaluate it
 * (status active or archived-but-evaluated): there, code still asks for the flag and will get its
 * fallback value once it is archived.
 */
export function ArchiveFlagDialog({
  flag,
  evaluatedIn,
  onArchived,
  onCancel,
}: {
  flag: Flag;
  evaluatedIn: string[];
  onArchived: (flag: Flag) => void;
  onCancel: () => void;
}) {
  const archive = async () => {
    try {
      onArchived(await setFlagArchived(flag.key, true, flag.version));
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 412) {
        throw new ApiError(412, { message: `Not archived: someone changed ${flag.key} since the list was read. Cancel, then try again.` });
      }
      throw caught;
    }
  };
  return (
    <ConfirmDialog title={`Archive ${flag.key}?`} confirmLabel="Archive flag" onConfirm={archive} onCancel={onCancel}>
      <p>
        <strong>{flag.name}</strong> (<code>{flag.key}</code>) leaves every environment: SDKs stop receiving it, and code that asks for it
        gets its fallback value. Its configurations are kept; restoring it brings them back.
      </p>
      {evaluatedIn.length > 0 && (
        <p className="warning" role="note">
          Still evaluated in {evaluatedIn.join(', ')}: code there asks for this flag. Remove it from the code first, or those users switch
          to the fallback value.
        </p>
      )}
    </ConfirmDialog>
  );
}
