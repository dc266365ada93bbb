// Visible feedback for every action: short-lived messages in a corner, kept
// longer for errors, announced to screen readers.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

export type NoticeKind = "success" | "error" | "info";

interface Notice {
  id: number;
  kind: NoticeKind;
  text: string;
}

type Notify = (kind: NoticeKind, text: string) => void;

const NotifyContext = createContext<Notify>(() => undefined);

export function useNotify(): Notify {
  return useContext(NotifyContext);
}

let nextId = 1;

export function NotifyProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<Notice[]>([]);
  const dismiss = useCallback((id: number) => setNotices((all) => all.filter((n) => n.id !== id)), []);
  const notify = useCallback<Notify>(
    (kind, text) => {
      const id = nextId++;
      setNotices((all) => [...all.slice(-4), { id, kind, text }]);
      setTimeout(() => dismiss(id), kind === "error" ? 12000 : 5000);
    },
    [dismiss],
  );
  const value = useMemo(() => notify, [notify]);
  return (
    <NotifyContext.Provider value={value}>
      {children}
      <div className="notices" role="status" aria-live="polite">
        {notices.map((notice) => (
          <div key={notice.id} className={`notice notice-${notice.kind}`} data-testid={`notice-${notice.kind}`}>
            <span>{notice.text}</span>
            <button type="button" className="link" aria-label="Dismiss" onClick={() => dismiss(notice.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </NotifyContext.Provider>
  );
}
