-- NacosSync's own state: one row per task and kind (naming, config) with the position the
-- incremental job resumes from and the time of the last complete full sync.
CREATE TABLE IF NOT EXISTS nacossync_checkpoint (
  task_name      VARCHAR(128)  NOT NULL,
  kind           VARCHAR(32)   NOT NULL,
  position       TEXT          NULL,
  full_sync_at   DATETIME(3)   NULL,
  updated_at     DATETIME(3)   NOT NULL,
  PRIMARY KEY (task_name, kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
