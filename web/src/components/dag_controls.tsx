// The controls a DAG has wherever it is shown: the paused toggle and the
// trigger button with its JSON conf editor. Both are absent for a Viewer.
import { useState } from "react";
import { setPaused, triggerDag, type Dag, type DagRun } from "../api";
import { can, useSession } from "../session";
import { Modal } from "./common";
import { useNotify } from "./notify";

export function PauseToggle({ dag, onChange }: { dag: Dag; onChange: (dag: Dag) => void }) {
  const session = useSession();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const editable = can(session, "pause");
  const toggle = async () => {
    setBusy(true);
    try {
      const updated = await setPaused(dag.dag_id, !dag.is_paused);
      onChange({ ...dag, ...updated, is_paused: updated?.is_paused ?? !dag.is_paused });
      notify("success", `${dag.dag_id} ${dag.is_paused ? "unpaused" : "paused"}`);
    } catch (error) {
      notify("error", (error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const label = dag.is_paused ? `Unpause ${dag.dag_id}` : `Pause ${dag.dag_id}`;
  return (
    <label className={`switch ${editable ? "" : "readonly"}`} title={editable ? label : dag.is_paused ? "Paused" : "Active"}>
      <input
        type="checkbox"
        role="switch"
        aria-label={label}
        data-testid="pause-toggle"
        checked={!dag.is_paused}
        disabled={!editable || busy}
        onChange={toggle}
      />
      <span className="slider" />
    </label>
  );
}

/** Parses the conf editor's text: an empty text is {}, anything else must be a JSON object. */
export function parseConf(text: string): { conf?: Record<string, unknown>; error?: string } {
  if (!text.trim()) return { conf: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `conf is not valid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { error: "conf must be a JSON object, like {\"key\": \"value\"}" };
  }
  return { conf: value as Record<string, unknown> };
}

export function TriggerButton({ dag, onTriggered }: { dag: Dag; onTriggered?: (run: DagRun) => void }) {
  const session = useSession();
  const [open, setOpen] = useState(false);
  if (!can(session, "trigger")) return null;
  return (
    <>
      <button type="button" className="primary" data-testid="trigger" onClick={() => setOpen(true)}>
        ▶ Trigger
      </button>
      {open && (
        <TriggerDialog
          dag={dag}
          onClose={() => setOpen(false)}
          onTriggered={(run) => {
            setOpen(false);
            onTriggered?.(run);
          }}
        />
      )}
    </>
  );
}

function TriggerDialog({ dag, onClose, onTriggered }: { dag: Dag; onClose: () => void; onTriggered: (run: DagRun) => void }) {
  const notify = useNotify();
  const [text, setText] = useState("{}");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const parsed = parseConf(text);
  const submit = async () => {
    if (!parsed.conf) return;
    setBusy(true);
    setError(null);
    try {
      const run = await triggerDag(dag.dag_id, parsed.conf);
      notify("success", `Triggered ${dag.dag_id}: run ${run.dag_run_id}`);
      onTriggered(run);
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={`Trigger ${dag.dag_id}`} onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <p className="muted">A manual run with logical date now. Its conf is passed to the run's templates.</p>
        <label className="field">
          <span>Run conf (JSON object)</span>
          <textarea
            className="code"
            rows={8}
            spellCheck={false}
            value={text}
            data-testid="trigger-conf"
            aria-invalid={parsed.error ? true : undefined}
            onChange={(event) => setText(event.target.value)}
          />
        </label>
        {parsed.error && <div className="field-error">{parsed.error}</div>}
        {error && (
          <div className="error-box" role="alert">
            {error}
          </div>
        )}
        <div className="modal-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" data-testid="trigger-submit" disabled={busy || !parsed.conf}>
            {busy ? "Triggering…" : "Trigger"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
