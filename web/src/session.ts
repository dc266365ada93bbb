// The logged-in user and what they may do, shared by every page. The server's
// session answer carries the permissions; without them the role decides, with
// Airflow's meanings (Viewer reads; User also triggers, clears and pauses).
import { createContext, useContext } from "react";
import type { Permissions, Role, Session } from "./api";

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session | null {
  return useContext(SessionContext);
}

const kOperators: Role[] = ["Admin", "Op", "User"];

export type Action = keyof Omit<Permissions, "read" | "manage_users">;

/** True when the session may trigger, pause or clear (and mark) task instances. */
export function can(session: Session | null, action: Action): boolean {
  if (session === null) return false;
  const granted = session.permissions?.[action];
  if (typeof granted === "boolean") return granted;
  return kOperators.includes(session.user.role);
}
