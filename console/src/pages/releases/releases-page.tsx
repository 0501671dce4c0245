import { useCallback, useEffect, useId, useState } from 'react';
import { describeError } from '../../api/client.ts';
import { listEnvironments } from '../../api/flags.ts';
import type { Environment } from '../../api/types.ts';
import { Link } from '../../router/router.tsx';
import {
  listPlans,
  listTemplates,
  type PlanStatus,
  type ReleasePlan,
  type ReleaseTemplate,
  STATUS_TEXT,
  stageName,
} from './releases-api.ts';
import { TemplateForm } from './template-form.tsx';

const PAGE_SIZE = 50;
/** Plans move by themselves; the list is read again this often. */
const REFRESH_MS = 5000;

const stageSummary = (template: ReleaseTemplate) => template.stages.map((stage) => `${stage.percentage} %`).join(' → ');

/** /releases: release plans across flags and environments (newest first), and the templates they start from. */
export function ReleasesPage() {
  const id = useId();
  const [status, setStatus] = useState<PlanStatus | ''>('');
  const [environment, setEnvironment] = useState('');
  const [environments, setEnvironments] = useState<Environment[]>([]);
  const [plans, setPlans] = useState<{ items: ReleasePlan[]; total: number } | null>(null);
  const [templates, setTemplates] = useState<ReleaseTemplate[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    listEnvironments().then(
      (items) => live && setEnvironments(items),
      () => undefined,
    );
    listTemplates().then(
      (items) => live && setTemplates(items),
      (caught: unknown) => live && setError(describeError(caught)),
    );
    return () => {
      live = false;
    };
  }, []);

  const readPlans = useCallback(
    (signal: AbortSignal) =>
      listPlans({ status: status || undefined, env: environment || undefined, limit: PAGE_SIZE, offset: 0 }, signal).then(
        (page) => {
          setPlans(page);
          setError(null);
        },
        (caught: unknown) => !signal.aborted && setError(describeError(caught)),
      ),
    [status, environment],
  );

  useEffect(() => {
    const controller = new AbortController();
    setPlans(null);
    readPlans(controller.signal);
    const timer = window.setInterval(() => readPlans(controller.signal), REFRESH_MS);
    return () => {
      window.clearInterval(timer);
      controller.abort();
    };
  }, [readPlans]);

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h1 id={`${id}-title`}>Releases</h1>
      </div>
      <p className="hint">
        A plan is started on a flag in one environment, from its page (“Releases and schedules”), with one of the templates below.
      </p>

      <search className="filters">
        <div className="field">
          <label htmlFor={`${id}-status`}>Status</label>
          <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value as PlanStatus | '')}>
            <option value="">Any status</option>
            {Object.entries(STATUS_TEXT).map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-env`}>Environment</label>
          <select id={`${id}-env`} value={environment} onChange={(e) => setEnvironment(e.target.value)}>
            <option value="">All environments</option>
            {environments.map((env) => (
              <option key={env.key} value={env.key}>
                {env.name}
              </option>
            ))}
          </select>
        </div>
      </search>

      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}

      <h2>Plans</h2>
      {!plans ? (
        !error && <p role="status">Loading the plans…</p>
      ) : plans.items.length === 0 ? (
        <p className="empty">No release plan {status || environment ? 'matches these filters' : 'yet'}.</p>
      ) : (
        <table className="flag-table release-table">
          <caption className="visually-hidden">Release plans, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Flag</th>
              <th scope="col">Environment</th>
              <th scope="col">Status</th>
              <th scope="col">Stage</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {plans.items.map((plan) => (
              <tr key={plan.id}>
                <th scope="row">
                  <Link to={`/releases/${plan.id}`}>{plan.flagKey}</Link>
                  {plan.templateKey && <span className="flag-meta"> from “{plan.templateKey}”</span>}
                </th>
                <td className="state-cell" data-label="Environment">
                  {plan.environmentKey}
                </td>
                <td className="state-cell" data-label="Status">
                  <span className={`status plan-${plan.status}`}>{STATUS_TEXT[plan.status]}</span>
                </td>
                <td className="state-cell" data-label="Stage">
                  {plan.stageIndex + 1} of {plan.stages.length}: {stageName(plan.stages[plan.stageIndex]!, plan.stageIndex)}
                </td>
                <td className="state-cell" data-label="Started">
                  <time dateTime={plan.startedAt}>{new Date(plan.startedAt).toLocaleString()}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <div className="page-head section-head">
        <h2>Templates</h2>
        {!creating && (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New template
          </button>
        )}
      </div>
      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      {creating && (
        <TemplateForm
          onCancel={() => setCreating(false)}
          onCreated={(template) => {
            setTemplates((current) => [...(current ?? []), template].sort((a, b) => a.key.localeCompare(b.key)));
            setCreating(false);
            setMessage(`Created template “${template.name}”.`);
          }}
        />
      )}
      {!templates ? null : templates.length === 0 ? (
        <p className="empty">No template yet.</p>
      ) : (
        <ul className="template-list">
          {templates.map((template) => (
            <li key={template.key}>
              <strong>{template.name}</strong> <code>{template.key}</code>
              <span className="muted">
                {' '}
                {stageSummary(template)}
                {template.guard ? `, guarded by ${template.guard.metrics.map((m) => m.key).join(', ')}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
