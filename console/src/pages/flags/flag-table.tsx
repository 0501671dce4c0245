import { memo } from 'react';
import { mayIn } from '../../api/permissions.ts';
import type { Environment, Flag, FlagStatus } from '../../api/types.ts';
import { Switch } from '../../components/switch.tsx';
import { useSession } from '../../layout/session-context.ts';
import { Link } from '../../router/router.tsx';
import type { EnvironmentState, FlagRow } from './use-flag-list.ts';

const STATUS_HELP: Record<FlagStatus, string> = {
  new: 'Never evaluated here',
  active: 'Evaluated recently',
  launched: 'Serving one variation only, with no error, for some days: ready to remove',
  inactive: 'Not evaluated for some days',
  'archived-but-evaluated': 'Archived, yet still evaluated',
};

export type ToggleRequest = (flag: Flag, environment: Environment, on: boolean) => void;

/** What a person who may change flags can do from a row; absent for viewers. */
export type RowActions = { edit: (row: FlagRow) => void; archive: (row: FlagRow) => void; restore: (row: FlagRow) => void };

export const FlagTable = memo(function FlagTable({
  environments,
  rows,
  pending,
  onToggle,
  actions,
}: {
  environments: Environment[];
  rows: FlagRow[];
  pending: ReadonlySet<string>;
  onToggle: ToggleRequest;
  actions: RowActions | null;
}) {
  return (
    <table className="flag-table">
      <caption className="visually-hidden">Flags, with their state in each environment</caption>
      <thead>
        <tr>
          <th scope="col">Flag</th>
          {environments.map((env) => (
            <th scope="col" key={env.key}>
              {env.name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <FlagTableRow key={row.flag.key} row={row} environments={environments} pending={pending} onToggle={onToggle} actions={actions} />
        ))}
      </tbody>
    </table>
  );
});

export const pendingKey = (flagKey: string, environmentKey: string) => `${flagKey}\n${environmentKey}`;

const FlagTableRow = memo(function FlagTableRow({
  row,
  environments,
  pending,
  onToggle,
  actions,
}: {
  row: FlagRow;
  environments: Environment[];
  pending: ReadonlySet<string>;
  onToggle: ToggleRequest;
  actions: RowActions | null;
}) {
  const { flag } = row;
  const session = useSession();
  return (
    <tr>
      <th scope="row" className="flag-cell">
        <span className="flag-name">{flag.name}</span>
        {environments[0] ? (
          <Link className="flag-key" to={`/flags/${encodeURIComponent(flag.key)}/${encodeURIComponent(environments[0].key)}`}>
            <code>{flag.key}</code>
          </Link>
        ) : (
          <code className="flag-key">{flag.key}</code>
        )}
        <span className="flag-meta">
          <span className="kind">{flag.kind}</span>
          {flag.archived && <span className="tag tag-archived">archived</span>}
          {flag.tags.map((tag) => (
            <span className="tag" key={tag}>
              {tag}
            </span>
          ))}
        </span>
        {actions && (
          <span className="row-actions">
            <button type="button" className="button secondary" aria-label={`Edit ${flag.key}`} onClick={() => actions.edit(row)}>
              Edit
            </button>
            {flag.archived ? (
              <button type="button" className="button secondary" aria-label={`Restore ${flag.key}`} onClick={() => actions.restore(row)}>
                Restore
              </button>
            ) : (
              <button type="button" className="button secondary" aria-label={`Archive ${flag.key}`} onClick={() => actions.archive(row)}>
                Archive
              </button>
            )}
          </span>
        )}
      </th>
      {environments.map((env) => {
        const state = row.states[env.key];
        return (
          <td key={env.key} data-label={env.name} className="state-cell">
            {state ? (
              <>
                <Switch
                  on={state.on}
                  label={`${flag.key} in ${env.name}`}
                  busy={pending.has(pendingKey(flag.key, env.key))}
                  readOnly={mayIn(session, env.key, 'editor') ? undefined : `You may view ${env.name}, not change it`}
                  onChange={(on) => onToggle(flag, env, on)}
                />
                {state.status && (
                  <span className={`status status-${state.status}`} title={STATUS_HELP[state.status]}>
                    {state.status}
                  </span>
                )}
                <UnderWay flagKey={flag.key} environment={env} state={state} />
              </>
            ) : (
              <span className="muted">–</span>
            )}
          </td>
        );
      })}
    </tr>
  );
});

/** Badges for what is under way on the flag in one environment: a release plan, scheduled changes. */
function UnderWay({ flagKey, environment, state }: { flagKey: string; environment: Environment; state: EnvironmentState }) {
  const { releasePlan, pendingSchedules = 0 } = state;
  if (!releasePlan && pendingSchedules === 0) return null;
  const where = `${flagKey} in ${environment.name}`;
  return (
    <span className="under-way">
      {releasePlan && (
        <Link className="status status-releasing" to={`/releases/${encodeURIComponent(releasePlan.id)}`}>
          {releasePlan.status === 'paused' ? 'in a release (paused)' : 'in a release'}
          <span className="visually-hidden">: the release plan of {where}</span>
        </Link>
      )}
      {pendingSchedules > 0 && (
        <Link
          className="status status-scheduled"
          to={`/flags/${encodeURIComponent(flagKey)}/${encodeURIComponent(environment.key)}/release`}
        >
          {pendingSchedules > 1 ? `${pendingSchedules} scheduled` : 'scheduled'}
          <span className="visually-hidden">: changes pending for {where}</span>
        </Link>
      )}
    </span>
  );
}
