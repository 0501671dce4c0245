import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, describeError } from '../../api/client.ts';
import { getFlag, listEnvironments, toggleFlag } from '../../api/flags.ts';
import { mayEverywhere } from '../../api/permissions.ts';
import type { Environment, FlagDetail, FlagListItem } from '../../api/types.ts';
import { Switch } from '../../components/switch.tsx';
import { useSession } from '../../layout/session-context.ts';
import { Link } from '../../router/router.tsx';
import { ConfirmToggleDialog } from '../flags/confirm-toggle-dialog.tsx';
import { EditFlagDialog } from '../flags/edit-flag-dialog.tsx';
import { isProduction } from '../flags/production.ts';
import {
  authorOf,
  type EditableConfig,
  type FullFlagConfig,
  getFlagConfig,
  listAllFlags,
  listSegments,
  patchFlagConfig,
  planName,
  type ReleasePlan,
  runningPlans,
  type SegmentChoice,
} from './api.ts';
import { ChangedBanner } from './changed-banner.tsx';
import { ConfigForm } from './config-form.tsx';
import { ConflictView } from './conflict-view.tsx';
import { changedFields, configOf, type Draft, draftIsValid, draftOf, editable } from './draft.ts';
import { useLiveConfig } from './live-config.ts';
import { PlanStatus } from './plan-status.tsx';
import { SaveDialog } from './save-dialog.tsx';

type Loaded = { flag: FlagDetail; environments: Environment[]; environment: Environment; plan: ReleasePlan | null };

/** A version someone else wrote while this page held unsaved edits, and who (when the audit log says). */
type Remote = { config: FullFlagConfig; author: string | null };

/**
 * A flag in one environment (/flags/:key/:env): kill switch, release plan, prerequisites, targets, rules,
 * default rule, off variation; what others change meanwhile appears live.
 */
export function FlagConfigPage({ flagKey, envKey }: { flagKey: string; envKey: string }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [base, setBase] = useState<FullFlagConfig | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [reviewing, setReviewing] = useState(false);
  const [conflict, setConflict] = useState<FullFlagConfig | null>(null);
  const [confirmToggle, setConfirmToggle] = useState<boolean | null>(null);
  const [editingDetails, setEditingDetails] = useState(false);
  const mayEditDetails = mayEverywhere(useSession(), 'editor');
  const [busy, setBusy] = useState(false);
  const [segments, setSegments] = useState<SegmentChoice[] | string | null>(null);
  const [flags, setFlags] = useState<FlagListItem[] | string | null>(null);
  const [attempted, setAttempted] = useState(false);
  const [remote, setRemote] = useState<Remote | null>(null);
  /** Read out by screen readers when the banner about a change made elsewhere appears. */
  const [remoteNote, setRemoteNote] = useState('');

  const variationCount = loaded?.flag.variations.length ?? 0;

  /** Reads the configuration again; the form keeps unsaved edits, else shows what was read. */
  const refresh = useCallback(
    async (keepEdits: boolean) => {
      const [config, plans] = await Promise.all([getFlagConfig(flagKey, envKey), runningPlans(flagKey, envKey)]);
      setLoaded((current) => current && { ...current, plan: plans[0] ?? null });
      setBase(config);
      if (!keepEdits) setDraft(null);
      return config;
    },
    [flagKey, envKey],
  );

  useEffect(() => {
    let live = true;
    Promise.all([getFlag(flagKey), listEnvironments(), getFlagConfig(flagKey, envKey), runningPlans(flagKey, envKey)]).then(
      ([flag, environments, config, plans]) => {
        if (!live) return;
        const environment = environments.find((e) => e.key === envKey);
        if (!environment) {
          setLoadError(`There is no environment “${envKey}”.`);
          return;
        }
        setLoaded({ flag, environments, environment, plan: plans[0] ?? null });
        setBase(config);
      },
      (caught: unknown) => live && setLoadError(describeError(caught)),
    );
    return () => {
      live = false;
    };
  }, [flagKey, envKey]);

  useEffect(() => {
    let live = true;
    listSegments(envKey).then(
      (items) => live && setSegments(items),
      (caught: unknown) => live && setSegments(describeError(caught)),
    );
    listAllFlags().then(
      (items) => live && setFlags(items),
      (caught: unknown) => live && setFlags(describeError(caught)),
    );
    return () => {
      live = false;
    };
  }, [envKey]);

  const form = useMemo(() => draft ?? (base ? draftOf(editable(base), variationCount) : null), [draft, base, variationCount]);
  const edited: EditableConfig | null = form ? configOf(form) : null;
  const patch = base && edited ? changedFields(editable(base), edited) : {};
  const dirty = Object.keys(patch).length > 0;

  const dirtyNow = useRef(dirty);
  dirtyNow.current = dirty;

  /** Someone else's write: shown at once when nothing here is unsaved, else announced beside the draft. */
  const changedElsewhere = async (config: FullFlagConfig) => {
    const author = await authorOf(flagKey, envKey, config.version).catch(() => null);
    // Read after the wait: an edit begun meanwhile must not be replaced.
    if (dirtyNow.current) {
      setRemote({ config, author });
      setRemoteNote(
        `This flag changed since you opened it: ${author ?? 'someone'} saved version ${config.version}. Your unsaved edits are kept.`,
      );
      return;
    }
    setBase(config);
    setDraft(null);
    setMessage(`Updated by ${author ?? 'someone else'} just now: version ${config.version}.`);
  };
  useLiveConfig(flagKey, envKey, remote?.config.version ?? base?.version ?? null, changedElsewhere);

  // Once the edits are saved or dropped, the page shows the version written elsewhere (unless it read
  // that version or a later one meanwhile, as after turning the flag on or off).
  useEffect(() => {
    if (!remote) return;
    if (base && base.version >= remote.config.version) {
      setRemote(null);
    } else if (!dirty) {
      setBase(remote.config);
      setDraft(null);
      setRemote(null);
    }
  }, [remote, dirty, base]);

  if (loadError) {
    return (
      <>
        <h1>{flagKey}</h1>
        <p className="error" role="alert">
          {loadError}
        </p>
        <Link to="/flags">Back to the flags</Link>
      </>
    );
  }
  if (!loaded || !base || !form || !edited) {
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }
  const { flag, environments, environment, plan } = loaded;

  const afterWrite = (config: FullFlagConfig, text: string) => {
    setBase(config);
    setDraft(null);
    setConflict(null);
    setRemote(null);
    setAttempted(false);
    setReviewing(false);
    setFailure(null);
    setMessage(text);
  };

  /** A refused write: 412 shows what changed meanwhile, 409 names the release plan in the way. */
  const refused = async (caught: unknown) => {
    if (caught instanceof ApiError && caught.status === 412) {
      setReviewing(false);
      setConflict(await getFlagConfig(flagKey, envKey));
      return;
    }
    if (caught instanceof ApiError && caught.status === 409) {
      const plans = await runningPlans(flagKey, envKey).catch(() => []);
      setLoaded({ ...loaded, plan: plans[0] ?? null });
      setReviewing(false);
      setFailure(
        plans[0]
          ? `Not saved: release plan ${planName(plans[0])} is running on ${flag.key} in ${environment.name}. Pause it or roll it back first.`
          : `Not saved: ${describeError(caught)}`,
      );
      return;
    }
    throw caught;
  };

  const save = async () => {
    setBusy(true);
    try {
      const config = await patchFlagConfig(flagKey, envKey, patch, base.version);
      afterWrite(config, `Saved ${flag.key} in ${environment.name} (version ${config.version}).`);
    } catch (caught) {
      await refused(caught).catch((error: unknown) => setFailure(`Not saved: ${describeError(error)}`));
    } finally {
      setBusy(false);
    }
  };

  /** Reads the current version and writes the fields edited here (against what was read) on top of it. */
  const reapply = async () => {
    setBusy(true);
    try {
      const current = await getFlagConfig(flagKey, envKey);
      setConflict(current);
      const config = await patchFlagConfig(flagKey, envKey, patch, current.version);
      afterWrite(config, `Re-applied your change on top of version ${current.version}: ${flag.key} is at version ${config.version}.`);
    } catch (caught) {
      await refused(caught).catch((error: unknown) => setFailure(`Not saved: ${describeError(error)}`));
    } finally {
      setBusy(false);
    }
  };

  const toggled = async (on: boolean) => {
    setConfirmToggle(null);
    setMessage(`${flag.key} is now ${on ? 'on' : 'off'} in ${environment.name}.`);
    await refresh(dirty).catch((caught: unknown) => setFailure(describeError(caught)));
  };

  const toggle = async (on: boolean) => {
    setMessage(null);
    setFailure(null);
    if (isProduction(environment)) {
      setConfirmToggle(on);
      return;
    }
    try {
      await toggleFlag(flag.key, environment.key, on, base.version);
      await toggled(on);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 412) await refresh(dirty).catch(() => undefined);
      setFailure(`Could not turn ${flag.key} ${on ? 'on' : 'off'}: ${describeError(caught)}`);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    if (!draftIsValid(form)) {
      setAttempted(true);
      setFailure('Not saved: the inputs marked below need fixing first.');
      // After the render that marks what is missing, take the person to the first marked input.
      requestAnimationFrame(() => document.querySelector<HTMLElement>('.config-form [aria-invalid="true"]')?.focus());
      return;
    }
    setFailure(null);
    setReviewing(true);
  };

  return (
    <>
      <div className="page-head config-head">
        <div>
          <h1>{flag.name}</h1>
          <p className="flag-meta">
            <code className="flag-key">{flag.key}</code>
            <span className="kind">{flag.kind}</span>
            <span className="muted">version {base.version}</span>
            <Link to={`/flags/${encodeURIComponent(flag.key)}/${encodeURIComponent(environment.key)}/release`}>Releases and schedules</Link>
            <Link to={`/insights/${encodeURIComponent(flag.key)}?env=${encodeURIComponent(environment.key)}`}>Evaluations</Link>
            {mayEditDetails && (
              <button type="button" className="button secondary" onClick={() => setEditingDetails(true)}>
                Edit details
              </button>
            )}
          </p>
        </div>
        <Switch on={base.on} label={`${flag.key} in ${environment.name}`} onChange={toggle} />
      </div>
      <nav aria-label="Environments" className="env-switcher">
        <ul>
          {environments.map((env) => (
            <li key={env.key}>
              <Link
                to={`/flags/${encodeURIComponent(flag.key)}/${encodeURIComponent(env.key)}`}
                aria-current={env.key === environment.key ? 'page' : undefined}
              >
                {env.name}
              </Link>
            </li>
          ))}
        </ul>
      </nav>

      <p className="visually-hidden" aria-live="polite">
        {remoteNote}
      </p>
      <div aria-live="polite">
        {message && (
          <p className="notice" role="status">
            {message}
          </p>
        )}
      </div>
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      {plan && (
        <PlanStatus
          plan={plan}
          onChanged={(text) => {
            setMessage(text);
            refresh(dirty).catch((caught: unknown) => setFailure(describeError(caught)));
          }}
        />
      )}
      {remote && !conflict && (
        <ChangedBanner
          read={editable(base)}
          current={editable(remote.config)}
          version={remote.config.version}
          author={remote.author}
          onLoad={() => setDraft(null)}
        />
      )}
      {conflict && (
        <ConflictView
          flagKey={flag.key}
          environmentName={environment.name}
          read={editable(base)}
          current={conflict}
          patch={patch}
          busy={busy}
          onReapply={reapply}
          onDiscard={() => afterWrite(conflict, `Discarded your edit: showing version ${conflict.version}.`)}
        />
      )}

      <form className="config-form" onSubmit={submit}>
        <ConfigForm
          flagKey={flag.key}
          variations={flag.variations}
          draft={form}
          segments={segments}
          flags={flags}
          showMissing={attempted}
          onChange={setDraft}
        />
        <div className="dialog-actions start">
          <button type="submit" className="button primary" disabled={!dirty || busy}>
            Review and save
          </button>
          <button type="button" className="button secondary" disabled={!dirty || busy} onClick={() => setDraft(null)}>
            Discard changes
          </button>
        </div>
      </form>

      {reviewing && (
        <SaveDialog
          title={`Save ${flag.key} in ${environment.name}?`}
          before={editable(base)}
          after={edited}
          busy={busy}
          onSave={save}
          onCancel={() => setReviewing(false)}
        />
      )}
      {editingDetails && (
        <EditFlagDialog
          flag={flag}
          onCancel={() => setEditingDetails(false)}
          onSaved={(saved) => {
            setEditingDetails(false);
            setLoaded({ ...loaded, flag: { ...flag, ...saved } });
            setMessage(`Saved the details of ${saved.key}.`);
          }}
        />
      )}
      {confirmToggle !== null && (
        <ConfirmToggleDialog
          flag={flag}
          environment={environment}
          on={confirmToggle}
          onDone={(config) => toggled(config.on)}
          onCancel={() => setConfirmToggle(null)}
        />
      )}
    </>
  );
}
