import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { ApiError, describeError } from '../../api/client.ts';
import { setFlagArchived, toggleFlag } from '../../api/flags.ts';
import { mayAnywhere, mayEverywhere } from '../../api/permissions.ts';
import type { Environment, Flag } from '../../api/types.ts';
import { isProduction } from '../../components/production.ts';
import { useSession } from '../../layout/session-context.ts';
import { ArchiveFlagDialog } from './archive-flag-dialog.tsx';
import { ConfirmToggleDialog } from './confirm-toggle-dialog.tsx';
import { CreateFlagDialog } from './create-flag-dialog.tsx';
import { EditFlagDialog } from './edit-flag-dialog.tsx';
import { FlagTable, pendingKey, type RowActions } from './flag-table.tsx';
import { type FlagRow, useFlagList } from './use-flag-list.ts';

const PAGE_SIZE = 50;
/** How often the list is read again, so other people's changes appear. */
const POLL_MS = 4000;
/** Typing pauses this long before the server is asked (one request per pause, not per key). */
const SEARCH_DELAY_MS = 250;

type Confirmation = { flag: Flag; environment: Environment; on: boolean };

function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), delayMs);
    return () => window.clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

const parseTags = (text: string) =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

export function FlagsPage() {
  const [search, setSearch] = useState('');
  const [tagText, setTagText] = useState('');
  const [showArchived, setShowArchived] = useState(false);
  const [offset, setOffset] = useState(0);
  const q = useDebounced(search.trim(), SEARCH_DELAY_MS);
  const tagsText = useDebounced(tagText, SEARCH_DELAY_MS);
  const [tags, setTags] = useState<string[]>([]);
  useEffect(() => setTags(parseTags(tagsText)), [tagsText]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new filter starts at the first page
  useEffect(() => setOffset(0), [q, tags, showArchived]);

  const list = useFlagList({ q, tags, archived: showArchived, offset, limit: PAGE_SIZE }, POLL_MS);
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  const [confirmation, setConfirmation] = useState<Confirmation | null>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Flag | null>(null);
  const [archiving, setArchiving] = useState<FlagRow | null>(null);
  const [message, setMessage] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const id = useId();

  const { setState } = list;
  const toggled = useCallback(
    (flag: Flag, environment: Environment, on: boolean) => {
      setState(flag.key, environment.key, on);
      setMessage(`${flag.key} is now ${on ? 'on' : 'off'} in ${environment.name}.`);
    },
    [setState],
  );

  const requestToggle = useCallback(
    async (flag: Flag, environment: Environment, on: boolean) => {
      setFailure(null);
      if (isProduction(environment)) {
        setConfirmation({ flag, environment, on });
        return;
      }
      const key = pendingKey(flag.key, environment.key);
      setPending((current) => new Set(current).add(key));
      try {
        const config = await toggleFlag(flag.key, environment.key, on);
        toggled(flag, environment, config.on);
      } catch (caught) {
        setFailure(`Could not turn ${flag.key} ${on ? 'on' : 'off'} in ${environment.name}: ${describeError(caught)}`);
      } finally {
        setPending((current) => {
          const next = new Set(current);
          next.delete(key);
          return next;
        });
      }
    },
    [toggled],
  );

  // Metadata, archiving and restoring are shared by every environment, so they need editor everywhere.
  const session = useSession();
  const canChangeFlags = mayEverywhere(session, 'editor');
  const { reload } = list;
  const restore = useCallback(
    async ({ flag }: FlagRow) => {
      setFailure(null);
      try {
        await setFlagArchived(flag.key, false, flag.version);
        setMessage(`Restored ${flag.key}: SDKs receive it again.`);
      } catch (caught) {
        const stale = caught instanceof ApiError && caught.status === 412;
        setFailure(
          `Could not restore ${flag.key}: ${stale ? 'someone changed it meanwhile; the list now shows its current state.' : describeError(caught)}`,
        );
      }
      reload();
    },
    [reload],
  );
  const actions = useMemo<RowActions | null>(
    () => (canChangeFlags ? { edit: ({ flag }) => setEditing(flag), archive: setArchiving, restore } : null),
    [canChangeFlags, restore],
  );

  const { environments, rows, total } = list;
  const last = Math.min(offset + PAGE_SIZE, total);
  const filtered = q !== '' || tags.length > 0;
  const evaluatedIn = (row: FlagRow) =>
    (environments ?? [])
      .filter((env) => ['active', 'archived-but-evaluated'].includes(row.states[env.key]?.status ?? ''))
      .map((env) => env.name);

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h1 id={`${id}-title`}>Flags</h1>
        {mayAnywhere(session, 'editor') && (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New flag
          </button>
        )}
      </div>

      <search className="filters">
        <div className="field">
          <label htmlFor={`${id}-q`}>Search</label>
          <input
            id={`${id}-q`}
            type="search"
            value={search}
            placeholder="Key, name or description"
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-tags`}>Tags</label>
          <input id={`${id}-tags`} value={tagText} placeholder="checkout, team-a" onChange={(e) => setTagText(e.target.value)} />
        </div>
        <label className="choice filter-choice">
          <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} />
          Show archived
        </label>
      </search>

      <p className="visually-hidden" role="status" aria-live="polite">
        {message}
      </p>
      {(failure ?? list.error) && (
        <p className="error" role="alert">
          {failure ?? list.error}
        </p>
      )}

      {!environments || !rows ? (
        <p role="status">Loading flags…</p>
      ) : rows.length === 0 ? (
        <p className="empty">{filtered ? 'No flag matches these filters.' : 'No flags yet. Create the first one with “New flag”.'}</p>
      ) : (
        <>
          <FlagTable environments={environments} rows={rows} pending={pending} onToggle={requestToggle} actions={actions} />
          <nav className="pager" aria-label="Pages of flags">
            <span>
              {offset + 1}–{last} of {total.toLocaleString('en')}
            </span>
            <button
              type="button"
              className="button secondary"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
            >
              Previous page
            </button>
            <button type="button" className="button secondary" disabled={last >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
              Next page
            </button>
          </nav>
        </>
      )}

      {confirmation && (
        <ConfirmToggleDialog
          {...confirmation}
          onCancel={() => setConfirmation(null)}
          onDone={(config) => {
            toggled(confirmation.flag, confirmation.environment, config.on);
            setConfirmation(null);
          }}
        />
      )}
      {editing && (
        <EditFlagDialog
          flag={editing}
          onCancel={() => setEditing(null)}
          onSaved={(flag) => {
            setEditing(null);
            setMessage(`Saved ${flag.key} (version ${flag.version}).`);
            list.reload();
          }}
        />
      )}
      {archiving && (
        <ArchiveFlagDialog
          flag={archiving.flag}
          evaluatedIn={evaluatedIn(archiving)}
          onCancel={() => setArchiving(null)}
          onArchived={(flag) => {
            setArchiving(null);
            setMessage(`Archived ${flag.key}: SDKs no longer receive it. “Show archived” lists it.`);
            list.reload();
          }}
        />
      )}
      {creating && (
        <CreateFlagDialog
          onCancel={() => setCreating(false)}
          onCreated={(flag) => {
            setCreating(false);
            setMessage(`Created ${flag.key}: off in every environment.`);
            list.reload();
          }}
        />
      )}
    </section>
  );
}
