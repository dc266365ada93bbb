-- Task logs shipped by workers, so a try that ran on another host can be read
-- from the web server and `sluice tasks logs`: a try's log is its chunks in
-- seq order.
CREATE TABLE task_log_chunk (
  dag_id TEXT COLLATE "C" NOT NULL,
  run_id TEXT COLLATE "C" NOT NULL,
  task_id TEXT COLLATE "C" NOT NULL,
  map_index INTEGER NOT NULL,
  try_number INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  content TEXT NOT NULL,
  PRIMARY KEY (dag_id, run_id, task_id, map_index, try_number, seq),
  FOREIGN KEY (dag_id, run_id) REFERENCES dag_run (dag_id, run_id) ON DELETE CASCADE
);
