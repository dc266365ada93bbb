// The application shell: finds out whether a session exists, shows the login
// page or the header and the page the URL names.
import { useCallback, useEffect, useState } from "react";
import { getSession, logout, setUnauthorizedHandler, type Session } from "./api";
import { ErrorMessage, Loading } from "./components/common";
import { useNotify } from "./components/notify";
import { DagListPage } from "./pages/dag_list";
import { DagPage } from "./pages/dag_page";
import { LakePage } from "./pages/lake";
import { LineagePage } from "./pages/lineage";
import { LoginPage, Logo } from "./pages/login";
import { routeHref, useRoute, type Route } from "./router";
import { SessionContext } from "./session";

type SessionState = { status: "loading" } | { status: "error"; error: Error } | { status: "ready"; session: Session | null };

export function App() {
  const [state, setState] = useState<SessionState>({ status: "loading" });
  const [expired, setExpired] = useState(false);
  const load = useCallback(() => {
    setState({ status: "loading" });
    getSession().then(
      (session) => setState({ status: "ready", session }),
      (error: Error) => setState({ status: "error", error }),
    );
  }, []);
  useEffect(load, [load]);
  useEffect(() => {
    setUnauthorizedHandler(() => {
      setExpired(true);
      setState({ status: "ready", session: null });
    });
    return () => setUnauthorizedHandler(null);
  }, []);

  if (state.status === "loading") return <Loading what="sluice" />;
  if (state.status === "error") {
    return (
      <main className="login-page">
        <ErrorMessage error={state.error} action={<button onClick={load}>Retry</button>} />
      </main>
    );
  }
  if (!state.session) {
    return (
      <LoginPage
        notice={expired ? "Your session ended; sign in again." : undefined}
        onLogin={(session) => {
          setExpired(false);
          setState({ status: "ready", session });
        }}
      />
    );
  }
  return (
    <SessionContext.Provider value={state.session}>
      <Shell session={state.session} onLogout={() => setState({ status: "ready", session: null })} />
    </SessionContext.Provider>
  );
}

function Shell({ session, onLogout }: { session: Session; onLogout: () => void }) {
  const route = useRoute();
  const notify = useNotify();
  const doLogout = async () => {
    try {
      await logout();
      notify("info", "Logged out");
    } catch (error) {
      notify("error", (error as Error).message);
    }
    onLogout();
  };
  const section = route.page === "lake" ? "lake" : "dags";
  return (
    <div className="shell">
      <header className="topbar">
        <a className="brand" href={routeHref({ page: "dags" })}>
          <Logo /> sluice
        </a>
        <nav className="nav">
          <a href={routeHref({ page: "dags" })} className={section === "dags" ? "active" : ""}>
            DAGs
          </a>
          <a href={routeHref({ page: "lake", prefix: "" })} className={section === "lake" ? "active" : ""}>
            Lake
          </a>
        </nav>
        <div className="user">
          <span className="user-name" data-testid="user">
            {session.user.username} <span className="role">{session.user.role}</span>
          </span>
          <button type="button" data-testid="logout" onClick={doLogout}>
            Log out
          </button>
        </div>
      </header>
      <main className="content">
        <Page route={route} />
      </main>
    </div>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "dags":
      return <DagListPage />;
    case "dag":
      return <DagPage key={route.dagId} route={route} />;
    case "lineage":
      return <LineagePage route={route} />;
    case "lake":
      return <LakePage route={route} />;
    case "notFound":
      return (
        <div className="error-box">
          No page at {route.path}. <a href={routeHref({ page: "dags" })}>Back to the DAGs</a>
        </div>
      );
  }
}
