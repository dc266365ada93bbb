-- Users, browser sessions and failed logins, for the web server. A session is
-- kept by the hash of its id, never the id itself.

CREATE TABLE app_user (
  username TEXT COLLATE "C" PRIMARY KEY,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE user_session (
  id_hash TEXT COLLATE "C" PRIMARY KEY,
  username TEXT COLLATE "C" NOT NULL REFERENCES app_user (username) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX user_session_username ON user_session (username);

CREATE TABLE login_failure (
  key TEXT COLLATE "C" NOT NULL,
  failed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failure_key ON login_failure (key, failed_at);
