// Small pieces every page uses: state badges, error and empty messages, a modal.
import { useEffect, useRef, type ReactNode } from "react";
import { stateColor, stateKey, stateLabel } from "../format";

export function StateSquare({ state, title }: { state: string | null | undefined; title?: string }) {
  return (
    <span
      className={`state-square state-${stateKey(state)}`}
      style={{ background: stateColor(state) }}
      title={title ?? stateLabel(state)}
      aria-label={title ?? stateLabel(state)}
    />
  );
}

export function StateBadge({ state }: { state: string | null | undefined }) {
  return (
    <span className={`state-badge state-${stateKey(state)}`} data-state={stateKey(state)}>
      <StateSquare state={state} />
      {stateLabel(state)}
    </span>
  );
}

export function ErrorMessage({ error, action }: { error: Error | undefined | null; action?: ReactNode }) {
  if (!error) return null;
  return (
    <div className="error-box" role="alert">
      <span>{error.message}</span>
      {action}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <div className="muted loading">Loading {what}…</div>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="muted empty">{children}</div>;
}

export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    dialog.current?.querySelector<HTMLElement>("textarea, input, button")?.focus();
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-modal="true" aria-label={title} ref={dialog}>
        <div className="modal-head">
          <h2>{title}</h2>
          <button type="button" className="link close" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}

/** A definition list from label/value pairs; values may be nodes. */
export function Facts({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {items.map(([label, value]) => (
        <div key={label} className="fact">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
