-- The first schema. Times are microseconds since the Unix epoch (INTEGER),
-- booleans 0/1, JSON as TEXT. Later changes go in new numbered files; a
-- migration that has shipped is never edited.

CREATE TABLE dag (
  dag_id TEXT PRIMARY KEY,
  file_path TEXT NOT NULL,
  definition_hash TEXT NOT NULL,
  definition TEXT NOT NULL,
  version_number INTEGER NOT NULL,
  schedule TEXT NOT NULL DEFAULT '',
  timezone TEXT NOT NULL DEFAULT 'UTC',
  description TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  is_paused INTEGER NOT NULL DEFAULT 0,
  is_stale INTEGER NOT NULL DEFAULT 0,
  last_parsed_at INTEGER,
  next_dagrun INTEGER,
  next_dagrun_data_interval_start INTEGER,
  next_dagrun_data_interval_end INTEGER,
  next_dagrun_create_after INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX dag_due ON dag (next_dagrun_create_after) WHERE is_paused = 0 AND is_stale = 0;

CREATE TABLE dag_version (
  dag_id TEXT NOT NULL REFERENCES dag (dag_id) ON DELETE CASCADE,
  version_number INTEGER NOT NULL,
  definition_hash TEXT NOT NULL,
  definition TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (dag_id, version_number)
);

CREATE TABLE import_error (
  file_path TEXT PRIMARY KEY,
  message TEXT NOT NULL,
  timestamp INTEGER NOT NULL
);

CREATE TABLE backfill (
  id INTEGER PRIMARY KEY,
  dag_id TEXT NOT NULL REFERENCES dag (dag_id) ON DELETE CASCADE,
  from_date INTEGER NOT NULL,
  to_date INTEGER NOT NULL,
  dag_run_conf TEXT NOT NULL DEFAULT '{}',
  reprocess_behavior TEXT NOT NULL DEFAULT 'none',
  max_active_runs INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX backfill_dag ON backfill (dag_id);

CREATE TABLE dag_run (
  id INTEGER PRIMARY KEY,
  dag_id TEXT NOT NULL REFERENCES dag (dag_id) ON DELETE CASCADE,
  run_id TEXT NOT NULL,
  run_type TEXT NOT NULL CHECK (run_type IN ('scheduled', 'manual', 'backfill')),
  logical_date INTEGER,
  data_interval_start INTEGER,
  data_interval_end INTEGER,
  run_after INTEGER NOT NULL,
  conf TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'success', 'failed')),
  triggered_by TEXT NOT NULL DEFAULT '',
  dag_version_number INTEGER NOT NULL,
  backfill_id INTEGER REFERENCES backfill (id) ON DELETE SET NULL,
  queued_at INTEGER,
  start_date INTEGER,
  end_date INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (dag_id, run_id)
);
CREATE INDEX dag_run_state ON dag_run (state, dag_id);
CREATE INDEX dag_run_logical_date ON dag_run (dag_id, logical_date);
CREATE INDEX dag_run_backfill ON dag_run (backfill_id) WHERE backfill_id IS NOT NULL;

CREATE TABLE task_instance (
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  map_index INTEGER NOT NULL DEFAULT -1,
  state TEXT NOT NULL DEFAULT 'none' CHECK (state IN ('none', 'scheduled', 'queued', 'running',
    'success', 'failed', 'up_for_retry', 'upstream_failed', 'skipped', 'removed')),
  try_number INTEGER NOT NULL DEFAULT 0,
  max_tries INTEGER NOT NULL DEFAULT 0,
  retries INTEGER NOT NULL DEFAULT 0,
  queue TEXT NOT NULL DEFAULT 'default',
  priority_weight INTEGER NOT NULL DEFAULT 1,
  queued_at INTEGER,
  start_date INTEGER,
  end_date INTEGER,
  duration REAL,
  hostname TEXT NOT NULL DEFAULT '',
  pid INTEGER,
  worker_id TEXT NOT NULL DEFAULT '',
  heartbeat_at INTEGER,
  next_retry_at INTEGER,
  log_location TEXT NOT NULL DEFAULT '',
  outputs TEXT NOT NULL DEFAULT '{}',
  executor_config TEXT NOT NULL DEFAULT '{}',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (dag_id, run_id, task_id, map_index),
  FOREIGN KEY (dag_id, run_id) REFERENCES dag_run (dag_id, run_id) ON DELETE CASCADE
);
-- By state, in the order claims take queued rows; and claims from some queues.
CREATE INDEX task_instance_state ON task_instance (state, priority_weight DESC, queued_at);
CREATE INDEX task_instance_queued_by_queue ON task_instance (queue, priority_weight DESC, queued_at)
  WHERE state = 'queued';
CREATE INDEX task_instance_running ON task_instance (worker_id, heartbeat_at)
  WHERE state = 'running';

-- Finished tries, kept when a new try starts or the task instance is cleared.
CREATE TABLE task_instance_history (
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  map_index INTEGER NOT NULL,
  state TEXT NOT NULL,
  try_number INTEGER NOT NULL,
  max_tries INTEGER NOT NULL,
  retries INTEGER NOT NULL,
  queue TEXT NOT NULL,
  priority_weight INTEGER NOT NULL,
  queued_at INTEGER,
  start_date INTEGER,
  end_date INTEGER,
  duration REAL,
  hostname TEXT NOT NULL,
  pid INTEGER,
  worker_id TEXT NOT NULL,
  heartbeat_at INTEGER,
  next_retry_at INTEGER,
  log_location TEXT NOT NULL,
  outputs TEXT NOT NULL,
  executor_config TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (dag_id, run_id, task_id, map_index, try_number),
  FOREIGN KEY (dag_id, run_id) REFERENCES dag_run (dag_id, run_id) ON DELETE CASCADE
);

CREATE TABLE worker (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  hostname TEXT NOT NULL,
  pid INTEGER NOT NULL,
  queues TEXT NOT NULL DEFAULT '[]',
  state TEXT NOT NULL CHECK (state IN ('active', 'stopped', 'lost')),
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);

CREATE TABLE lease (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
