// The login page. It offers no default credentials: `sluice standalone` prints
// a one-time admin password, and an admin creates the other users.
import { useState } from "react";
import { login, type Session } from "../api";

export function LoginPage({ onLogin, notice }: { onLogin: (session: Session) => void; notice?: string }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      onLogin(await login(username.trim(), password));
    } catch (caught) {
      setError((caught as Error).message);
      setPassword("");
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login-page">
      <form
        className="login-card"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <div className="brand brand-large">
          <Logo /> sluice
        </div>
        <p className="muted">Sign in to see and run your pipelines.</p>
        {notice && <div className="info-box">{notice}</div>}
        <label className="field">
          <span>Username</span>
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        {error && (
          <div className="error-box" role="alert">
            {error}
          </div>
        )}
        <button type="submit" className="primary wide" disabled={busy || !username || !password}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 16 16" aria-hidden="true">
      <rect width="16" height="16" rx="3" fill="#0b6e99" />
      <path d="M3 5h10M3 8h7M3 11h10" stroke="white" strokeWidth="1.6" />
    </svg>
  );
}
