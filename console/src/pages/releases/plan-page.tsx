import { useCallback, useEffect, useId, useState } from 'react';
import { ApiError, describeError } from '../../api/client.ts';
import { listEnvironments } from '../../api/flags.ts';
import { Link } from '../../router/router.tsx';
import { isProduction } from '../flags/production.ts';
import { GuardChart } from './guard-chart.tsx';
import { PlanActions } from './plan-actions.tsx';
import { type GuardHistory, getPlan, guardHistory, isActive, type ReleasePlan, STATUS_TEXT } from './releases-api.ts';
import { StageTimeline } from './stage-timeline.tsx';

/** A running plan moves by itself: the page reads it again this often. */
const REFRESH_MS = 5000;

/** /releases/:id: one plan's stages as a timeline, its operations, and its guard metrics as charts. */
export function PlanPage({ planId }: { planId: string }) {
  const id = useId();
  const [plan, setPlan] = useState<ReleasePlan | null>(null);
  const [history, setHistory] = useState<GuardHistory | null>(null);
  const [production, setProduction] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());

  const read = useCallback(async () => {
    try {
      const [current, guard] = await Promise.all([getPlan(planId), guardHistory(planId)]);
      setPlan(current);
      setHistory(guard);
      setNow(Date.now());
      setError(null);
      return current;
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 404 ? 'There is no such release plan.' : describeError(caught));
      return null;
    }
  }, [planId]);

  useEffect(() => {
    let live = true;
    read().then((current) => {
      if (!current || !live) return;
      listEnvironments().then(
        (environments) => {
          const environment = environments.find((e) => e.key === current.environmentKey);
          if (live) setProduction(environment ? isProduction(environment) : /prod/i.test(current.environmentKey));
        },
        () => live && setProduction(/prod/i.test(current.environmentKey)),
      );
    });
    return () => {
      live = false;
    };
  }, [read]);

  const active = plan ? isActive(plan) : false;
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(read, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [active, read]);

  if (!plan) {
    return error ? (
      <>
        <h1>Release plan</h1>
        <p className="error" role="alert">
          {error}
        </p>
        <Link to="/releases">Back to the releases</Link>
      </>
    ) : (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <div className="config-head">
        <h1 id={`${id}-title`}>
          Release of {plan.flagKey} in {plan.environmentKey}
        </h1>
        <p className="muted">
          <span className={`status plan-${plan.status}`}>{STATUS_TEXT[plan.status]}</span> · variation {plan.variation} replacing{' '}
          {plan.controlVariation}
          {plan.templateKey ? ` · template “${plan.templateKey}”` : ''} · started by {plan.createdBy}{' '}
          <time dateTime={plan.startedAt}>{new Date(plan.startedAt).toLocaleString()}</time>
          {plan.endedAt && (
            <>
              {' '}
              · ended <time dateTime={plan.endedAt}>{new Date(plan.endedAt).toLocaleString()}</time>
            </>
          )}
        </p>
        <p>
          <Link to={`/flags/${encodeURIComponent(plan.flagKey)}/${encodeURIComponent(plan.environmentKey)}/release`}>
            Releases and schedules of {plan.flagKey}
          </Link>
          {' · '}
          <Link to={`/flags/${encodeURIComponent(plan.flagKey)}/${encodeURIComponent(plan.environmentKey)}`}>Configuration</Link>
          {' · '}
          <Link to={`/insights/${encodeURIComponent(plan.flagKey)}?env=${encodeURIComponent(plan.environmentKey)}`}>Evaluations</Link>
        </p>
      </div>
      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <PlanActions
        plan={plan}
        production={production}
        onChanged={(changed, text) => {
          setPlan(changed);
          setMessage(text);
          read();
        }}
      />

      <h2>Stages</h2>
      <StageTimeline plan={plan} now={now} />

      <h2>Guard</h2>
      {!plan.guard ? (
        <p className="empty">This plan has no guard: it moves on by its holds and approvals only.</p>
      ) : (
        <>
          <p>
            On a regression the plan {plan.guard.onRegression === 'rollback' ? 'rolls back' : 'pauses'} by itself.
            {plan.lastVerdict ? ` Last verdict: ${plan.lastVerdict.reason}.` : ' Not judged yet.'}
          </p>
          {history?.metrics.map((metric) => (
            <GuardChart key={metric.key} metric={metric} />
          ))}
        </>
      )}
    </section>
  );
}
