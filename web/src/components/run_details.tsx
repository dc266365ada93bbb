// What one run is: type, logical date, data interval, conf, duration.
import type { DagRun } from "../api";
import { durationBetween, formatDate, formatDuration } from "../format";
import { routeHref } from "../router";
import { Facts, StateBadge } from "./common";

export function RunDetails({ run }: { run: DagRun }) {
  const duration = run.duration ?? durationBetween(run.start_date, run.end_date);
  const conf = run.conf && Object.keys(run.conf).length > 0 ? JSON.stringify(run.conf, null, 2) : null;
  return (
    <section className="card" data-testid="run-details">
      <div className="card-head">
        <h2>
          Run <code className="run-id">{run.dag_run_id}</code>
        </h2>
        <StateBadge state={run.state} />
        <a className="button" href={routeHref({ page: "lineage", dagId: run.dag_id, runId: run.dag_run_id })}>
          Lineage
        </a>
      </div>
      <Facts
        items={[
          ["Run type", run.run_type],
          ["Logical date", formatDate(run.logical_date)],
          ["Data interval", `${formatDate(run.data_interval_start)} → ${formatDate(run.data_interval_end)}`],
          ["Run after", formatDate(run.run_after)],
          ["Started", formatDate(run.start_date)],
          ["Ended", formatDate(run.end_date)],
          ["Duration", formatDuration(duration)],
          ["Triggered by", run.triggered_by ?? "—"],
        ]}
      />
      <div className="conf">
        <span className="muted small">Conf</span>
        {conf ? <pre className="code">{conf}</pre> : <span className="muted small"> {"{}"}</span>}
      </div>
      {run.note && <p className="note">{run.note}</p>}
    </section>
  );
}
