import { type FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, describeError } from '../../api/client.ts';
import { getFlag, listEnvironments, toggleFlag } from '../../api/flags.ts';
import type { Environment, FlagDetail } from '../../api/types.ts';
import { Switch } from '../../components/switch.tsx';
import { Link } from '../../router/router.tsx';
import { ConfirmToggleDialog } from '../flags/confirm-toggle-dialog.tsx';
import { isProduction } from '../flags/production.ts';
import {
  type EditableConfig,
  type FullFlagConfig,
  getFlagConfig,
  patchFlagConfig,
  planName,
  type ReleasePlan,
  runningPlans,
} from './api.ts';
import { ConfigForm } from './config-form.tsx';
import { ConflictView } from './conflict-view.tsx';
import { changedFields, configOf, type Draft, draftOf, editable } from './draft.ts';
import { PlanStatus } from './plan-status.tsx';
import { SaveDialog } from './save-dialog.tsx';

type Loaded = { flag: FlagDetail; environments: Environment[]; environment: Environment; plan: ReleasePlan | null };

/** A flag in one environment (/flags/:key/:env): kill switch, release plan, default rule, off variation, targets. */
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
  const [busy, setBusy] = useState(false);

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

  const form = useMemo(() => draft ?? (base ? draftOf(editable(base), variationCount) : null), [draft, base, variationCount]);
  const edited: EditableConfig | null = form ? configOf(form) : null;
  const patch = base && edited ? changedFields(editable(base), edited) : {};
  const dirty = Object.keys(patch).length > 0;

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
        <ConfigForm variations={flag.variations} draft={form} onChange={setDraft} />
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
