-- The run-state store (IRunStateStore): checkpoints with a version checked on every save
-- (compare-and-set), and keyed rows per scope (pending config keys, applied baselines, the replicas a
-- task keeps alive, removal candidates and applied removals), so that nothing a run must hand on
-- lives only in one process's memory. Re-runnable: CREATE ... IF NOT EXISTS and INSERT IGNORE.
CREATE TABLE IF NOT EXISTS nacossync_run_checkpoint (
  task_name      VARCHAR(128)  NOT NULL,
  kind           VARCHAR(16)   CHARACTER SET ascii NOT NULL,
  position       MEDIUMTEXT    NULL,
  full_sync_at   DATETIME(3)   NULL,
  updated_at     DATETIME(3)   NOT NULL,
  version        BIGINT        NOT NULL,
  PRIMARY KEY (task_name, kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Checkpoints of earlier versions carry over as version 1 (positions included: each runner reads
-- what it understands of its own position and falls back to a full run otherwise).
INSERT IGNORE INTO nacossync_run_checkpoint (task_name, kind, position, full_sync_at, updated_at, version)
SELECT task_name, kind, position, full_sync_at, updated_at, 1 FROM nacossync_checkpoint;

-- Keys are at most 600 characters: the primary key stays under InnoDB's 3,072-byte limit
-- (128 × 4 + 16 + 24 + 600 × 4 bytes).
CREATE TABLE IF NOT EXISTS nacossync_run_entry (
  task_name      VARCHAR(128)  NOT NULL,
  kind           VARCHAR(16)   CHARACTER SET ascii NOT NULL,
  scope          VARCHAR(24)   CHARACTER SET ascii NOT NULL,
  entry_key      VARCHAR(600)  NOT NULL,
  value          MEDIUMTEXT    NOT NULL,
  at             DATETIME(3)   NOT NULL,
  PRIMARY KEY (task_name, kind, scope, entry_key),
  KEY ix_run_entry_at (task_name, kind, scope, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
