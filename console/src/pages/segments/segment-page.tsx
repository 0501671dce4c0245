import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { ApiError, describeError } from '../../api/client.ts';
import { mayIn } from '../../api/permissions.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { useSession } from '../../layout/session-context.ts';
import { Link, navigate } from '../../router/router.tsx';
import { RulesEditor } from './rules-editor.tsx';
import { contentOf, draftOf, draftProblems, type SegmentDraft } from './segment-draft.ts';
import { deleteSegment, getSegment, replaceSegment, type Segment } from './segments-api.ts';

/** One segment of one environment: its included and excluded context keys and its rules, saved with If-Match. */
export function SegmentPage({ envKey, segmentKey }: { envKey: string; segmentKey: string }) {
  const id = useId();
  const session = useSession();
  const canEdit = mayIn(session, envKey, 'editor');
  const [segment, setSegment] = useState<Segment | null>(null);
  const [draft, setDraft] = useState<SegmentDraft | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  /** Someone else's newer version, after a save was refused with 412. */
  const [theirs, setTheirs] = useState<Segment | null>(null);
  const [deleting, setDeleting] = useState(false);
  const listPath = `/segments/${encodeURIComponent(envKey)}`;

  const show = useCallback((loaded: Segment) => {
    setSegment(loaded);
    setDraft(draftOf(loaded));
    setTheirs(null);
  }, []);

  useEffect(() => {
    let live = true;
    getSegment(envKey, segmentKey).then(
      (loaded) => live && show(loaded),
      (caught: unknown) => live && setLoadError(describeError(caught)),
    );
    return () => {
      live = false;
    };
  }, [envKey, segmentKey, show]);

  const save = async (version: number) => {
    if (!draft) return;
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      const saved = await replaceSegment(envKey, segmentKey, contentOf(draft), version);
      show(saved);
      setNotice(`Saved: ${saved.key} is at version ${saved.version}.`);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 412) {
        try {
          setTheirs(await getSegment(envKey, segmentKey));
        } catch (reread) {
          setError(describeError(reread));
        }
      } else {
        setError(describeError(caught));
      }
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (segment) save(segment.version);
  };

  if (loadError) {
    return (
      <section className="page">
        <p>
          <Link to={listPath}>← Segments</Link>
        </p>
        <p className="error" role="alert">
          {loadError}
        </p>
      </section>
    );
  }
  if (!segment || !draft) return <p role="status">Loading the segment…</p>;

  const problems = draftProblems(draft);
  const set = (patch: Partial<SegmentDraft>) => setDraft({ ...draft, ...patch });

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <p>
        <Link to={listPath}>← Segments in {segment.environment}</Link>
      </p>
      <div className="page-head">
        <div>
          <h1 id={`${id}-title`}>{segment.name}</h1>
          <p className="hint">
            <code>{segment.key}</code> in <code>{segment.environment}</code>, version {segment.version}
          </p>
        </div>
        {canEdit && (
          <button type="button" className="button danger" onClick={() => setDeleting(true)}>
            Delete segment
          </button>
        )}
      </div>
      {!canEdit && <p className="hint">You can read this segment; changing it needs the editor role in {segment.environment}.</p>}

      {theirs && (
        <div className="conflict" role="alert">
          <h2>Someone else saved this segment meanwhile</h2>
          <p>
            Your edits start from version {segment.version}; it is now at version {theirs.version} (changed{' '}
            {new Date(theirs.updatedAt).toLocaleString('en')}). Nothing of yours was saved.
          </p>
          <div className="dialog-actions start">
            <button type="button" className="button secondary" onClick={() => show(theirs)}>
              Load their version (drop my edits)
            </button>
            <button type="button" className="button primary" disabled={busy} onClick={() => save(theirs.version)}>
              Save mine over theirs
            </button>
          </div>
        </div>
      )}

      <form className="config-form" onSubmit={submit}>
        <fieldset className="plain" disabled={!canEdit}>
          <div className="config-group">
            <div className="field">
              <label htmlFor={`${id}-name`}>Name</label>
              <input id={`${id}-name`} value={draft.name} required maxLength={200} onChange={(e) => set({ name: e.target.value })} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-description`}>Description</label>
              <textarea
                id={`${id}-description`}
                value={draft.description}
                rows={2}
                onChange={(e) => set({ description: e.target.value })}
              />
            </div>
          </div>
          <div className="config-group">
            <div className="field">
              <label htmlFor={`${id}-included`}>Included context keys, one a line</label>
              <textarea
                id={`${id}-included`}
                value={draft.included}
                rows={3}
                spellCheck={false}
                aria-describedby={`${id}-included-hint`}
                onChange={(e) => set({ included: e.target.value })}
              />
              <p id={`${id}-included-hint`} className="hint">
                Always in the segment, whatever the rules say.
              </p>
            </div>
            <div className="field">
              <label htmlFor={`${id}-excluded`}>Excluded context keys, one a line</label>
              <textarea
                id={`${id}-excluded`}
                value={draft.excluded}
                rows={3}
                spellCheck={false}
                aria-describedby={`${id}-excluded-hint`}
                onChange={(e) => set({ excluded: e.target.value })}
              />
              <p id={`${id}-excluded-hint`} className="hint">
                Never in the segment (unless also included).
              </p>
            </div>
          </div>
          <h2>Rules</h2>
          <p className="hint">A context is in the segment when every clause of any one rule matches.</p>
          <RulesEditor rules={draft.rules} onChange={(rules) => set({ rules })} />
        </fieldset>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {canEdit && (
          <div className="dialog-actions start">
            <button type="submit" className="button primary" disabled={busy || problems > 0}>
              Save segment
            </button>
            <button type="button" className="button secondary" onClick={() => show(segment)}>
              Discard changes
            </button>
            {problems > 0 && (
              <span className="hint">
                {problems} {problems === 1 ? 'problem' : 'problems'} to fix before saving
              </span>
            )}
          </div>
        )}
      </form>

      {deleting && (
        <ConfirmDialog
          title={`Delete ${segment.key} from ${segment.environment}?`}
          confirmLabel="Delete segment"
          onCancel={() => setDeleting(false)}
          onConfirm={async () => {
            await deleteSegment(envKey, segmentKey);
            navigate(listPath);
          }}
        >
          <p>
            Flags that name <code>{segment.key}</code> in {segment.environment} must stop using it first: the server refuses otherwise, and
            says which.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
