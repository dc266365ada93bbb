// The log of one try of a task instance. It is read page by page with the
// server's continuation token; while the task runs the next page is asked for
// every poll and appended, and the view follows the end unless the reader
// scrolled up.
import { useEffect, useRef, useState } from "react";
import { getTaskLog, type LogEntry } from "../api";
import { formatDate, isActive } from "../format";
import { kPollIntervalMs } from "../poll";
import { ErrorMessage } from "./common";

interface Props {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
  mapIndex?: number;
  state: string | null;
}

const kMaxPagesPerRead = 50;

interface Tail {
  entries: LogEntry[];
  error: Error | undefined;
  loading: boolean;
}

/** Reads a try's log to its end, then again every poll while `live`. */
function useLogTail(
  dagId: string,
  runId: string,
  taskId: string,
  mapIndex: number,
  tryNumber: number,
  live: boolean,
): Tail {
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [error, setError] = useState<Error | undefined>();
  const [loading, setLoading] = useState(true);
  const token = useRef<string | null>(null);
  const identity = `${dagId}\n${runId}\n${taskId}\n${mapIndex}\n${tryNumber}`;
  const readFor = useRef(identity);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (readFor.current !== identity) {
      readFor.current = identity;
      token.current = null;
      setEntries([]);
      setLoading(true);
    }
    const read = async () => {
      try {
        for (let page = 0; page < kMaxPagesPerRead && !stopped; ++page) {
          const before = token.current;
          const result = await getTaskLog(dagId, runId, taskId, tryNumber, before, mapIndex);
          if (stopped) return;
          token.current = result.continuation_token ?? null;
          if (result.content.length > 0) setEntries((all) => [...all, ...result.content]);
          if (result.content.length === 0 || !token.current || token.current === before) break;
        }
        setError(undefined);
      } catch (caught) {
        if (!stopped) setError(caught as Error);
      } finally {
        if (!stopped) {
          setLoading(false);
          if (live) timer = setTimeout(read, kPollIntervalMs);
        }
      }
    };
    if (tryNumber >= 1) void read();
    else setLoading(false);
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [dagId, runId, taskId, mapIndex, tryNumber, live, identity]);

  return { entries, error, loading };
}

export function TaskLog({ dagId, runId, taskId, tryNumber, mapIndex = -1, state }: Props) {
  const [chosenTry, setChosenTry] = useState(tryNumber);
  useEffect(() => setChosenTry(tryNumber), [tryNumber, taskId, runId]);
  const live = isActive(state) && chosenTry === tryNumber;
  const log = useLogTail(dagId, runId, taskId, mapIndex, chosenTry, live);
  const box = useRef<HTMLPreElement>(null);
  const following = useRef(true);
  useEffect(() => {
    const element = box.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [log.entries]);
  const tries = Array.from({ length: Math.max(tryNumber, 0) }, (_, index) => index + 1);
  return (
    <section className="card log-card" data-testid="task-log">
      <div className="card-head">
        <h3>Log</h3>
        {tries.length > 1 && (
          <div className="tries" role="tablist" aria-label="Tries">
            {tries.map((attempt) => (
              <button
                key={attempt}
                type="button"
                role="tab"
                aria-selected={attempt === chosenTry}
                className={attempt === chosenTry ? "active" : ""}
                onClick={() => setChosenTry(attempt)}
              >
                Try {attempt}
              </button>
            ))}
          </div>
        )}
        {tries.length === 1 && <span className="muted small">try 1</span>}
        {live && <span className="live">● live</span>}
      </div>
      <ErrorMessage error={log.error} />
      {tryNumber < 1 ? (
        <div className="muted empty">This task has not started yet, so it has no log.</div>
      ) : (
        <pre
          ref={box}
          className="log"
          data-testid="log-content"
          onScroll={(event) => {
            const element = event.currentTarget;
            following.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
          }}
        >
          {log.loading && log.entries.length === 0 ? "Loading…" : formatLog(log.entries)}
        </pre>
      )}
    </section>
  );
}

export function formatLog(entries: LogEntry[]): string {
  if (entries.length === 0) return "(empty log)";
  return entries
    .map((entry) => {
      const when = entry.timestamp ? `[${formatDate(entry.timestamp).replace(" UTC", "")}] ` : "";
      const level = entry.level ? `${String(entry.level).toUpperCase()} ` : "";
      return `${when}${level}${entry.event}`;
    })
    .join("\n");
}
