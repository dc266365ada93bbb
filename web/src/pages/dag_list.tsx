// The DAG list: import errors first, then one row per DAG with its schedule,
// next run, last runs as coloured squares, the paused toggle and the trigger.
import { useCallback, useState } from "react";
import { listDagRuns, listDags, listImportErrors, type Dag, type DagRun, type ImportError } from "../api";
import { ErrorMessage, Loading, StateSquare } from "../components/common";
import { PauseToggle, TriggerButton } from "../components/dag_controls";
import { formatDate, formatShortDate } from "../format";
import { usePolling } from "../poll";
import { navigate, routeHref } from "../router";

interface DagRow {
  dag: Dag;
  runs: DagRun[];
}

const kRecentRuns = 10;

async function loadDagRows(): Promise<DagRow[]> {
  const dags = await listDags();
  return Promise.all(
    dags.map(async (dag) => ({ dag, runs: await listDagRuns(dag.dag_id, kRecentRuns).catch(() => []) })),
  );
}

export function DagListPage() {
  const rows = usePolling(loadDagRows, []);
  const importErrors = usePolling(listImportErrors, [], 10000);
  const [overrides, setOverrides] = useState<Record<string, Dag>>({});
  const update = useCallback((dag: Dag) => setOverrides((all) => ({ ...all, [dag.dag_id]: dag })), []);
  return (
    <div className="page">
      <div className="page-head">
        <h1>DAGs</h1>
      </div>
      <ImportErrors errors={importErrors.data} />
      <ErrorMessage error={rows.error} />
      {rows.loading && !rows.data ? (
        <Loading what="DAGs" />
      ) : rows.data && rows.data.length === 0 ? (
        <div className="empty muted">No DAGs. Put a pipeline file in the DAGs folder (SLUICE_DAGS_FOLDER).</div>
      ) : (
        <div className="table-wrap">
          <table className="dag-table" data-testid="dag-table">
            <thead>
              <tr>
                <th className="col-toggle" aria-label="Active" />
                <th>DAG</th>
                <th>Schedule</th>
                <th>Next run</th>
                <th>Last runs</th>
                <th className="col-actions" aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {(rows.data ?? []).map((row) => (
                <DagListRow
                  key={row.dag.dag_id}
                  row={{ ...row, dag: overridden(row.dag, overrides[row.dag.dag_id]) }}
                  onChange={update}
                  onTriggered={rows.refresh}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** The toggle's answer wins until the next poll shows the same state. */
function overridden(dag: Dag, local: Dag | undefined): Dag {
  return local && local.is_paused !== dag.is_paused ? { ...dag, is_paused: local.is_paused } : dag;
}

function DagListRow({ row, onChange, onTriggered }: { row: DagRow; onChange: (dag: Dag) => void; onTriggered: () => void }) {
  const { dag, runs } = row;
  const href = routeHref({ page: "dag", dagId: dag.dag_id });
  return (
    <tr data-testid={`dag-row-${dag.dag_id}`} className={dag.is_paused ? "paused" : ""}>
      <td className="col-toggle">
        <PauseToggle dag={dag} onChange={onChange} />
      </td>
      <td>
        <a className="dag-id" href={href}>
          {dag.dag_display_name || dag.dag_id}
        </a>
        {dag.description && <div className="muted small">{dag.description}</div>}
        <div className="tags">
          {(dag.tags ?? []).map((tag) => (
            <span key={tag.name} className="tag">
              {tag.name}
            </span>
          ))}
          {dag.is_paused && <span className="tag tag-paused">paused</span>}
        </div>
      </td>
      <td>
        <code title={dag.timetable_description ?? undefined}>{dag.timetable_summary ?? "—"}</code>
        {dag.timetable_description && <div className="muted small">{dag.timetable_description}</div>}
      </td>
      <td title={dag.next_dagrun_run_after ? `runs after ${formatDate(dag.next_dagrun_run_after)}` : undefined}>
        {formatDate(dag.next_dagrun_logical_date ?? dag.next_dagrun_run_after)}
      </td>
      <td>
        <RecentRuns dagId={dag.dag_id} runs={runs} />
      </td>
      <td className="col-actions">
        <TriggerButton
          dag={dag}
          onTriggered={(run) => {
            onTriggered();
            navigate({ page: "dag", dagId: dag.dag_id, runId: run.dag_run_id });
          }}
        />
      </td>
    </tr>
  );
}

function RecentRuns({ dagId, runs }: { dagId: string; runs: DagRun[] }) {
  if (runs.length === 0) return <span className="muted">no runs yet</span>;
  return (
    <div className="recent-runs">
      {[...runs].reverse().map((run) => (
        <a
          key={run.dag_run_id}
          href={routeHref({ page: "dag", dagId, runId: run.dag_run_id })}
          className="recent-run"
          data-state={run.state}
        >
          <StateSquare state={run.state} title={`${run.dag_run_id}: ${run.state} (${formatShortDate(run.logical_date ?? run.run_after)})`} />
        </a>
      ))}
    </div>
  );
}

function ImportErrors({ errors }: { errors: ImportError[] | undefined }) {
  const [open, setOpen] = useState(true);
  if (!errors || errors.length === 0) return null;
  return (
    <section className="import-errors" role="alert" data-testid="import-errors">
      <button type="button" className="link" onClick={() => setOpen(!open)}>
        {open ? "▾" : "▸"} {errors.length} pipeline file{errors.length === 1 ? "" : "s"} could not be loaded
      </button>
      {open && (
        <ul>
          {errors.map((error) => (
            <li key={error.import_error_id ?? error.filename}>
              <strong>{error.filename}</strong> <span className="muted">{formatDate(error.timestamp)}</span>
              <pre className="code">{error.stack_trace}</pre>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
