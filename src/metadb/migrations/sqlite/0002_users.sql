-- Users, browser sessions and failed logins, for the web server. A session is
-- kept by the hash of its id, never the id itself.

CREATE TABLE app_user (
  username TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  is_active INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE user_session (
  id_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES app_user (username) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX user_session_username ON user_session (username);

CREATE TABLE login_failure (
  key TEXT NOT NULL,
  failed_at INTEGER NOT NULL
);
CREATE INDEX login_failure_key ON login_failure (key, failed_at);
