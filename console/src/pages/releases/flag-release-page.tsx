import { useCallback, useEffect, useId, useState } from 'react';
import { describeError } from '../../api/client.ts';
import { getFlag, listEnvironments } from '../../api/flags.ts';
import type { Environment, FlagDetail } from '../../api/types.ts';
import { Link, navigate } from '../../router/router.tsx';
import { ScheduleSection } from '../schedules/schedule-section.tsx';
import { isActive, listFlagPlans, listTemplates, type ReleasePlan, type ReleaseTemplate, STATUS_TEXT, stageName } from './releases-api.ts';
import { StartPlanForm } from './start-plan-form.tsx';

type Loaded = { flag: FlagDetail; environment: Environment; templates: ReleaseTemplate[] };

/** /flags/:key/:env/release: the flag's release plans in one environment (start one from a template) and its scheduled changes. */
export function FlagReleasePage({ flagKey, envKey }: { flagKey: string; envKey: string }) {
  const id = useId();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [plans, setPlans] = useState<ReleasePlan[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const readPlans = useCallback(
    () => listFlagPlans(flagKey, envKey).then(setPlans, (caught: unknown) => setError(describeError(caught))),
    [flagKey, envKey],
  );

  useEffect(() => {
    let live = true;
    Promise.all([getFlag(flagKey), listEnvironments(), listTemplates()]).then(
      ([flag, environments, templates]) => {
        if (!live) return;
        const environment = environments.find((e) => e.key === envKey);
        if (!environment) setError(`There is no environment “${envKey}”.`);
        else setLoaded({ flag, environment, templates });
      },
      (caught: unknown) => live && setError(describeError(caught)),
    );
    readPlans();
    return () => {
      live = false;
    };
  }, [flagKey, envKey, readPlans]);

  if (!loaded) {
    return error ? (
      <>
        <h1>{flagKey}</h1>
        <p className="error" role="alert">
          {error}
        </p>
        <Link to="/flags">Back to the flags</Link>
      </>
    ) : (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }
  const { flag, environment, templates } = loaded;
  const active = plans?.find(isActive) ?? null;

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <div className="config-head">
        <h1 id={`${id}-title`}>
          {flag.name}: releases in {environment.name}
        </h1>
        <p>
          <code>{flag.key}</code> ·{' '}
          <Link to={`/flags/${encodeURIComponent(flag.key)}/${encodeURIComponent(environment.key)}`}>Configuration</Link> ·{' '}
          <Link to={`/insights/${encodeURIComponent(flag.key)}?env=${encodeURIComponent(environment.key)}`}>Evaluations</Link>
        </p>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}

      <h2>Release plan</h2>
      {active ? (
        <p className="plan-status">
          <Link to={`/releases/${active.id}`}>
            {STATUS_TEXT[active.status]} plan{active.templateKey ? ` “${active.templateKey}”` : ''}
          </Link>
          : stage {active.stageIndex + 1} of {active.stages.length} ({stageName(active.stages[active.stageIndex]!, active.stageIndex)}).
          {active.waitingFor ? ` ${active.waitingFor}.` : ''}
        </p>
      ) : (
        plans && (
          <StartPlanForm
            flagKey={flag.key}
            envKey={environment.key}
            variations={flag.variations}
            templates={templates}
            onStarted={(plan) => navigate(`/releases/${plan.id}`)}
          />
        )
      )}
      {plans && plans.filter((p) => !isActive(p)).length > 0 && (
        <>
          <h3>Earlier plans</h3>
          <ul className="template-list">
            {plans
              .filter((p) => !isActive(p))
              .map((plan) => (
                <li key={plan.id}>
                  <Link to={`/releases/${plan.id}`}>
                    <time dateTime={plan.startedAt}>{new Date(plan.startedAt).toLocaleString()}</time>
                  </Link>{' '}
                  {STATUS_TEXT[plan.status]} at stage {plan.stageIndex + 1} of {plan.stages.length}
                  {plan.templateKey ? `, from “${plan.templateKey}”` : ''}
                </li>
              ))}
          </ul>
        </>
      )}

      <ScheduleSection
        flagKey={flag.key}
        envKey={environment.key}
        envName={environment.name}
        variations={flag.variations}
        templates={templates}
      />
    </section>
  );
}
