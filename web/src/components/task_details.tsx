// One task instance of the selected run: its state and timing, what it read
// and wrote, the actions the user's role allows, and its log.
import { useState } from "react";
import { clearTaskInstances, markTaskInstance, type TaskInstance } from "../api";
import { durationBetween, formatBytes, formatCount, formatDate, formatDuration, isFinished } from "../format";
import { taskOutputs, type TaskOutputs } from "../metrics";
import { parentPrefix, routeHref } from "../router";
import { can, useSession } from "../session";
import { Facts, Modal, StateBadge } from "./common";
import { useNotify } from "./notify";
import { TaskLog } from "./task_log";

interface Props {
  instance: TaskInstance;
  onChanged: () => void;
}

export function TaskDetails({ instance, onChanged }: Props) {
  const outputs = taskOutputs(instance);
  const metrics = outputs.metrics;
  const duration = instance.duration ?? durationBetween(instance.start_date, instance.end_date);
  return (
    <div className="task-details" data-testid="task-details">
      <section className="card">
        <div className="card-head">
          <h2>
            Task <code>{instance.task_id}</code>
          </h2>
          <StateBadge state={instance.state} />
          <TaskActions instance={instance} onChanged={onChanged} />
        </div>
        <Facts
          items={[
            ["Operator", instance.operator ?? "—"],
            ["Try", `${instance.try_number}${instance.max_tries !== undefined ? ` of ${instance.max_tries + 1}` : ""}`],
            ["Started", formatDate(instance.start_date)],
            ["Ended", formatDate(instance.end_date)],
            ["Duration", formatDuration(duration)],
            ["Host", instance.hostname || "—"],
          ]}
        />
        <h3 className="sub">Records and bytes</h3>
        {metrics.length === 0 ? (
          <div className="muted small" data-testid="task-metrics">
            {isFinished(instance.state) ? "This task reported no counts." : "Counts appear when the task finishes."}
          </div>
        ) : (
          <dl className="facts metrics" data-testid="task-metrics">
            {metrics.map((metric) => (
              <div key={metric.name} className="fact">
                <dt>{metric.label}</dt>
                <dd>{metric.value}</dd>
              </div>
            ))}
          </dl>
        )}
        <OutputDetails outputs={outputs} />
      </section>
      <TaskLog
        dagId={instance.dag_id}
        runId={instance.dag_run_id}
        taskId={instance.task_id}
        tryNumber={instance.try_number}
        mapIndex={instance.map_index ?? -1}
        state={instance.state}
      />
    </div>
  );
}

type Action = "clear" | "clear_downstream" | "mark_failed" | "mark_success";

const kActionText: Record<Action, { button: string; question: string; done: string }> = {
  clear: { button: "Clear", question: "Clear this task so it runs again?", done: "cleared" },
  clear_downstream: {
    button: "Clear downstream",
    question: "Clear this task and every task downstream of it so they run again?",
    done: "cleared with its downstream tasks",
  },
  mark_failed: { button: "Mark failed", question: "Mark this task instance failed?", done: "marked failed" },
  mark_success: { button: "Mark success", question: "Mark this task instance successful?", done: "marked success" },
};

function TaskActions({ instance, onChanged }: Props) {
  const session = useSession();
  const notify = useNotify();
  const [pending, setPending] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  if (!can(session, "clear")) return null;
  const run = async (action: Action) => {
    setBusy(true);
    try {
      if (action === "clear" || action === "clear_downstream") {
        const cleared = await clearTaskInstances(instance.dag_id, instance.dag_run_id, {
          taskIds: [instance.task_id],
          includeDownstream: action === "clear_downstream",
        });
        const count = cleared.length;
        notify("success", `${instance.task_id} ${kActionText[action].done}${count > 1 ? ` (${count} task instances)` : ""}`);
      } else {
        await markTaskInstance(instance.dag_id, instance.dag_run_id, instance.task_id, action === "mark_failed" ? "failed" : "success");
        notify("success", `${instance.task_id} ${kActionText[action].done}`);
      }
      onChanged();
    } catch (error) {
      notify("error", (error as Error).message);
    } finally {
      setBusy(false);
      setPending(null);
    }
  };
  return (
    <div className="actions" data-testid="task-actions">
      {(["clear", "clear_downstream", "mark_failed"] as Action[]).map((action) => (
        <button
          key={action}
          type="button"
          className={action === "mark_failed" ? "danger" : ""}
          data-testid={`action-${action}`}
          disabled={busy || (action === "mark_failed" && instance.state === "failed")}
          onClick={() => setPending(action)}
        >
          {kActionText[action].button}
        </button>
      ))}
      {pending && (
        <Modal title={kActionText[pending].button} onClose={() => setPending(null)}>
          <p>
            {kActionText[pending].question}
            <br />
            <code>{instance.task_id}</code> in run <code>{instance.dag_run_id}</code>
          </p>
          <div className="modal-actions">
            <button type="button" onClick={() => setPending(null)}>
              Cancel
            </button>
            <button
              type="button"
              className={pending === "mark_failed" ? "danger" : "primary"}
              data-testid="confirm"
              disabled={busy}
              onClick={() => void run(pending)}
            >
              {busy ? "Working…" : kActionText[pending].button}
            </button>
          </div>
        </Modal>
      )}
    </div>
  );
}


function OutputDetails({ outputs }: { outputs: TaskOutputs }) {
  const { items, objectKeys, notes } = outputs;
  return (
    <>
      {items.length > 0 && (
        <div className="table-wrap items" data-testid="task-items">
          <table>
            <thead>
              <tr>
                <th>Item</th>
                <th className="num">Records</th>
                <th className="num">Bytes</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item, index) => (
                <tr key={`${item.item}-${index}`}>
                  <td>
                    <code>{item.item}</code>
                  </td>
                  <td className="num">{formatCount(item.records)}</td>
                  <td className="num">{formatBytes(item.bytes)}</td>
                  <td className="small">{item.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {objectKeys.length > 0 && (
        <details className="object-keys">
          <summary>
            {objectKeys.length} object{objectKeys.length === 1 ? "" : "s"} written
          </summary>
          <ul>
            {objectKeys.map((objectKey) => (
              <li key={objectKey}>
                <a href={routeHref({ page: "lake", prefix: parentPrefix(objectKey), key: objectKey })}>
                  <code>{objectKey}</code>
                </a>
              </li>
            ))}
          </ul>
        </details>
      )}
      {notes.length > 0 && <pre className="code notes">{notes.join("\n")}</pre>}
    </>
  );
}
