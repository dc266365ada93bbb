// One DAG: its header and controls, the task graph coloured by the selected
// run, the grid of recent runs, and the details of the selected run and task.
import { useCallback, useState } from "react";
import { getDag, getDagRun, getGraph, getGrid, listTaskInstances, type Dag, type Grid } from "../api";
import { ErrorMessage, Loading } from "../components/common";
import { PauseToggle, TriggerButton } from "../components/dag_controls";
import { TaskGraph } from "../components/graph";
import { RunGrid } from "../components/grid";
import { RunDetails } from "../components/run_details";
import { TaskDetails } from "../components/task_details";
import { formatDate } from "../format";
import { usePolling } from "../poll";
import { navigate, routeHref, type Route } from "../router";

type DagRoute = Extract<Route, { page: "dag" }>;

export function DagPage({ route }: { route: DagRoute }) {
  const { dagId, taskId } = route;
  const dag = usePolling(() => getDag(dagId), [dagId]);
  const grid = usePolling(() => getGrid(dagId), [dagId]);
  const graph = usePolling(() => getGraph(dagId), [dagId], null);
  const runId = route.runId ?? latestRunId(grid.data);
  const run = usePolling(() => (runId ? getDagRun(dagId, runId) : Promise.resolve(undefined)), [dagId, runId]);
  const instances = usePolling(() => (runId ? listTaskInstances(dagId, runId) : Promise.resolve([])), [dagId, runId]);
  const [pausedOverride, setPausedOverride] = useState<boolean | null>(null);
  const select = useCallback(
    (nextRun: string | undefined, nextTask?: string) => navigate({ page: "dag", dagId, runId: nextRun, taskId: nextTask }, true),
    [dagId],
  );
  const refreshAll = () => {
    grid.refresh();
    run.refresh();
    instances.refresh();
  };
  if (dag.error && !dag.data) {
    return <ErrorMessage error={dag.error} action={<a href={routeHref({ page: "dags" })}>Back to the DAGs</a>} />;
  }
  if (!dag.data) return <Loading what={dagId} />;
  const shown: Dag =
    pausedOverride !== null && pausedOverride !== dag.data.is_paused ? { ...dag.data, is_paused: pausedOverride } : dag.data;
  const states: Record<string, string | null> = {};
  for (const instance of instances.data ?? []) states[instance.task_id] = instance.state;
  const selected = (instances.data ?? []).find((instance) => instance.task_id === taskId);
  return (
    <div className="page dag-page">
      <DagHeader
        dag={shown}
        onPause={(updated) => setPausedOverride(updated.is_paused)}
        onTriggered={(newRun) => {
          grid.refresh();
          select(newRun);
        }}
      />
      <ErrorMessage error={grid.error ?? graph.error ?? run.error ?? instances.error} />
      <section className="card graph-card">
        <div className="card-head">
          <h2>Graph</h2>
          <span className="muted small">{runId ? `task states of run ${runId}` : "no run yet"}</span>
        </div>
        {graph.data ? (
          <TaskGraph
            graph={graph.data}
            states={states}
            selectedTask={taskId}
            onSelect={(task) => select(runId, task === taskId ? undefined : task)}
          />
        ) : (
          <Loading what="graph" />
        )}
      </section>
      <div className="dag-panes">
        <section className="card grid-card">
          <div className="card-head">
            <h2>Grid</h2>
          </div>
          {grid.data ? <RunGrid grid={grid.data} selectedRun={runId} selectedTask={taskId} onSelect={select} /> : <Loading what="runs" />}
        </section>
        <div className="run-pane">
          {run.data && <RunDetails run={run.data} />}
          {!runId && grid.data && <div className="muted empty">No runs yet. Trigger the DAG or wait for its schedule.</div>}
          {selected ? (
            <TaskDetails key={`${selected.dag_run_id}/${selected.task_id}`} instance={selected} onChanged={refreshAll} />
          ) : (
            runId && <div className="muted empty small">Select a task in the graph or the grid to see its details and log.</div>
          )}
        </div>
      </div>
    </div>
  );
}

/** The newest run of the grid (its runs come oldest first). */
function latestRunId(grid: Grid | undefined): string | undefined {
  return grid && grid.runs.length > 0 ? grid.runs[grid.runs.length - 1].dag_run_id : undefined;
}

function DagHeader({ dag, onPause, onTriggered }: { dag: Dag; onPause: (dag: Dag) => void; onTriggered: (runId: string) => void }) {
  return (
    <div className="page-head dag-head">
      <PauseToggle dag={dag} onChange={onPause} />
      <div className="dag-title">
        <h1 data-testid="dag-title">{dag.dag_display_name || dag.dag_id}</h1>
        <div className="muted small">
          {dag.description ? `${dag.description} · ` : ""}
          schedule <code>{dag.timetable_summary ?? "—"}</code> · next run{" "}
          {formatDate(dag.next_dagrun_logical_date ?? dag.next_dagrun_run_after)}
          {dag.is_paused && <span className="tag tag-paused">paused</span>}
        </div>
      </div>
      <div className="head-actions">
        <a className="button" href={routeHref({ page: "lineage", dagId: dag.dag_id })}>
          Lineage
        </a>
        <TriggerButton dag={dag} onTriggered={(run) => onTriggered(run.dag_run_id)} />
      </div>
    </div>
  );
}
