// Lineage and reconciliation of one run: for each table, the records the API
// returned, the raw objects kept, the clean rows written, the records dropped
// as duplicates or put in quarantine (with their reasons) and the rows loaded
// into PostgreSQL, with the run's reconciliation verdict.
import { getLineage, listDagRuns, type Lineage, type LineageTable } from "../api";
import { ErrorMessage, Loading, StateBadge } from "../components/common";
import { formatBytes, formatCount, isActive } from "../format";
import { usePolling } from "../poll";
import { navigate, parentPrefix, routeHref, type Route } from "../router";

type LineageRoute = Extract<Route, { page: "lineage" }>;

export function LineagePage({ route }: { route: LineageRoute }) {
  const { dagId } = route;
  const runs = usePolling(() => listDagRuns(dagId, 50), [dagId], 10000);
  const runId = route.runId ?? runs.data?.[0]?.dag_run_id;
  const runState = runs.data?.find((run) => run.dag_run_id === runId)?.state;
  const lineage = usePolling(
    () => (runId ? getLineage(dagId, runId) : Promise.resolve(undefined)),
    [dagId, runId],
    isActive(runState) ? 2000 : 15000,
  );
  return (
    <div className="page lineage-page">
      <div className="page-head">
        <div>
          <a className="muted small" href={routeHref({ page: "dag", dagId, runId })}>
            ← {dagId}
          </a>
          <h1>Lineage and reconciliation</h1>
        </div>
        <label className="field inline">
          <span>Run</span>
          <select
            value={runId ?? ""}
            data-testid="lineage-run"
            onChange={(event) => navigate({ page: "lineage", dagId, runId: event.target.value }, true)}
          >
            {runId && !runs.data?.some((run) => run.dag_run_id === runId) && <option value={runId}>{runId}</option>}
            {(runs.data ?? []).map((run) => (
              <option key={run.dag_run_id} value={run.dag_run_id}>
                {run.dag_run_id} ({run.state})
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorMessage error={runs.error ?? lineage.error} />
      {!runId && runs.data && <div className="muted empty">This DAG has no runs yet.</div>}
      {runId && !lineage.data && !lineage.error && <Loading what="lineage" />}
      {lineage.data && <LineageView lineage={lineage.data} />}
    </div>
  );
}

interface Column {
  key: string;
  label: string;
  value: (table: LineageTable) => number | null | undefined;
  bytes?: boolean;
}

const kColumns: Column[] = [
  { key: "api_records", label: "API records", value: (t) => (t.raw.status === "missing" ? null : t.api.records) },
  { key: "raw_objects", label: "Raw objects", value: (t) => t.raw.objects },
  { key: "raw_bytes", label: "Raw bytes", value: (t) => t.raw.bytes, bytes: true },
  { key: "clean_rows", label: "Clean rows", value: (t) => t.clean.rows },
  { key: "duplicates", label: "Duplicates", value: (t) => t.clean.duplicates },
  { key: "quarantined", label: "Quarantined", value: (t) => t.clean.quarantined },
  { key: "warehouse_rows", label: "Rows loaded", value: (t) => t.warehouse?.rows },
];

function total(tables: LineageTable[], value: Column["value"]): number | null {
  const values = tables.map(value).filter((v): v is number => typeof v === "number");
  return values.length ? values.reduce((a, b) => a + b, 0) : null;
}

function LineageView({ lineage }: { lineage: Lineage }) {
  const show = (value: number | null | undefined, column: Column) =>
    typeof value === "number" ? (column.bytes ? formatBytes(value) : formatCount(value)) : "—";
  const [api, raw, , clean, , , loaded] = kColumns;
  return (
    <>
      <section className="card">
        <div className="flow" aria-label="Data flow">
          <FlowStep title="API" value={total(lineage.tables, api.value)} unit="records fetched" />
          <FlowStep title="raw" value={total(lineage.tables, raw.value)} unit="objects kept" />
          <FlowStep title="clean" value={total(lineage.tables, clean.value)} unit="typed rows" />
          <FlowStep title="PostgreSQL" value={total(lineage.tables, loaded.value)} unit="rows loaded" last />
        </div>
        <div className="lineage-summary">
          <span className="muted small">
            Run <code>{lineage.dag_run_id}</code> · partition ds={lineage.ds}
          </span>
          <StateBadge state={lineage.state} />
          <Verdict ok={lineage.ok} />
        </div>
      </section>
      <section className="card">
        <div className="card-head">
          <h2>Tables</h2>
          <span className="muted small">fetched = loaded + quarantined + duplicates</span>
        </div>
        <div className="table-wrap">
          <table className="lineage-table" data-testid="lineage-table">
            <thead>
              <tr>
                <th>Table</th>
                {kColumns.map((column) => (
                  <th key={column.key} className="num">
                    {column.label}
                  </th>
                ))}
                <th>Reconciled</th>
              </tr>
            </thead>
            <tbody>
              {lineage.tables.map((table) => (
                <tr key={table.table} data-testid={`lineage-row-${table.table}`}>
                  <th>
                    <code>{table.warehouse ? `${table.warehouse.schema}.${table.warehouse.table}` : table.table}</code>
                    <div className="small links">
                      <LakeLink objectKey={table.raw.manifest_key} label="manifest" missing={table.raw.status === "missing"} />
                      <LakeLink objectKey={table.clean.schema_key} label="schema" missing={table.clean.status === "missing"} />
                    </div>
                  </th>
                  {kColumns.map((column) => (
                    <td key={column.key} className="num" data-column={column.key}>
                      {show(column.value(table), column)}
                    </td>
                  ))}
                  <td>
                    <Verdict ok={table.reconciliation ? table.reconciliation.ok : null} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <Quarantine tables={lineage.tables} />
    </>
  );
}

function LakeLink({ objectKey, label, missing }: { objectKey: string; label: string; missing: boolean }) {
  if (missing) return <span className="muted" title={`${objectKey} does not exist yet`}>no {label}</span>;
  return (
    <a href={routeHref({ page: "lake", prefix: parentPrefix(objectKey), key: objectKey })} title={objectKey}>
      {label}
    </a>
  );
}

function Verdict({ ok }: { ok: boolean | null }) {
  if (ok === true) return <span className="ok">✓ balanced</span>;
  if (ok === false) return <span className="bad">✗ does not balance</span>;
  return <span className="muted">not loaded yet</span>;
}

function FlowStep({ title, value, unit, last }: { title: string; value: number | null; unit: string; last?: boolean }) {
  return (
    <>
      <div className="flow-step">
        <div className="flow-title">{title}</div>
        <div className="flow-value">{formatCount(value)}</div>
        <div className="muted small">{unit}</div>
      </div>
      {!last && <div className="flow-arrow">→</div>}
    </>
  );
}

function Quarantine({ tables }: { tables: LineageTable[] }) {
  const records = tables.flatMap((table) => table.quarantine.map((record) => ({ table: table.table, ...record })));
  const counted = total(tables, (t) => t.clean.quarantined) ?? 0;
  return (
    <section className="card" data-testid="quarantine">
      <div className="card-head">
        <h2>Quarantined records</h2>
        <span className="muted small">
          {formatCount(counted)} in this partition{records.length < counted ? `, the first ${records.length} shown` : ""}
        </span>
      </div>
      {records.length === 0 ? (
        <div className="muted small">No record failed validation.</div>
      ) : (
        <div className="table-wrap">
          <table className="quarantine-table">
            <thead>
              <tr>
                <th>Table</th>
                <th>Reason</th>
                <th>Record</th>
              </tr>
            </thead>
            <tbody>
              {records.map((record, index) => (
                <tr key={index}>
                  <td>
                    <code>{record.table}</code>
                  </td>
                  <td>{record.reason}</td>
                  <td>
                    <code className="record">{record.record === undefined ? "—" : JSON.stringify(record.record)}</code>
                    {record.raw_key && (
                      <div className="small muted">
                        from{" "}
                        <a href={routeHref({ page: "lake", prefix: parentPrefix(record.raw_key), key: record.raw_key })}>
                          {record.raw_key}
                        </a>
                        {record.index !== undefined ? ` #${record.index}` : ""}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
