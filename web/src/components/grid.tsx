// The grid, as Airflow draws it: one column per run (oldest left), a bar per
// run sized by its duration, one row per task with a square per task instance.
import type { Grid, GridCell, GridRun } from "../api";
import { durationBetween, formatDuration, formatShortDate, stateColor, stateKey, stateLabel } from "../format";

interface Props {
  grid: Grid;
  selectedRun?: string;
  selectedTask?: string;
  onSelect: (runId: string, taskId?: string) => void;
}

const kBarHeight = 64;

export function RunGrid({ grid, selectedRun, selectedTask, onSelect }: Props) {
  const runs = grid.runs;
  const durations = runs.map((run) => durationBetween(run.start_date, run.end_date) ?? 0);
  const longest = Math.max(1, ...durations);
  return (
    <div className="grid-wrap" data-testid="grid">
      <table className="run-grid">
        <thead>
          <tr>
            <th className="grid-label grid-corner">
              <span className="muted small">{runs.length} run{runs.length === 1 ? "" : "s"}</span>
            </th>
            {runs.map((run, index) => (
              <th key={run.dag_run_id} className={run.dag_run_id === selectedRun ? "selected" : ""}>
                <button
                  type="button"
                  className="run-bar"
                  data-testid={`grid-run-${run.dag_run_id}`}
                  data-state={stateKey(run.state)}
                  title={`${run.dag_run_id}\n${stateLabel(run.state)} · ${formatShortDate(runTime(run))} · ${formatDuration(durations[index])}`}
                  onClick={() => onSelect(run.dag_run_id)}
                >
                  <span
                    style={{
                      height: `${Math.max(6, (durations[index] / longest) * kBarHeight)}px`,
                      background: stateColor(run.state),
                    }}
                  />
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.tasks.map((taskId) => (
            <tr key={taskId} className={taskId === selectedTask ? "selected" : ""}>
              <th className="grid-label" title={taskId}>
                {taskId}
              </th>
              {runs.map((run) => {
                const cell = run.task_instances[taskId];
                const state = cell?.state ?? null;
                const selected = run.dag_run_id === selectedRun && taskId === selectedTask;
                return (
                  <td key={run.dag_run_id} className={run.dag_run_id === selectedRun ? "selected-col" : ""}>
                    <button
                      type="button"
                      className={`grid-cell${selected ? " selected" : ""}`}
                      data-testid={`grid-cell-${run.dag_run_id}-${taskId}`}
                      data-state={stateKey(state)}
                      style={{ background: stateColor(state) }}
                      title={`${taskId}\n${run.dag_run_id}\n${stateLabel(state)}${cell?.mapped ? ` (${mappedSummary(cell)})` : ""}`}
                      aria-label={`${taskId} in ${run.dag_run_id}: ${stateLabel(state)}`}
                      onClick={() => onSelect(run.dag_run_id, taskId)}
                    />
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {runs.length === 0 && <div className="muted empty">No runs yet.</div>}
    </div>
  );
}

function runTime(run: GridRun): string {
  return run.run_after ?? run.logical_date ?? run.start_date ?? run.dag_run_id;
}

function mappedSummary(cell: GridCell): string {
  return Object.entries(cell.states ?? {})
    .map(([state, count]) => `${count} ${stateLabel(state)}`)
    .join(", ");
}
