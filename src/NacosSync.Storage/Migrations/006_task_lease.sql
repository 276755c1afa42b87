-- One owner per task among the replicas (docs/ha.md): a lease row per task with its holder, the
-- fencing token (one more at every handover, never reset) and when it lapses; and a row per live
-- replica, so that each takes only its fair share of the tasks. Times are the replicas' clocks (UTC).
CREATE TABLE IF NOT EXISTS nacossync_task_lease (
  task_name    VARCHAR(128) NOT NULL,
  owner        VARCHAR(200) NULL,
  token        BIGINT       NOT NULL,
  expires_at   DATETIME(3)  NOT NULL,
  acquired_at  DATETIME(3)  NOT NULL,
  renewed_at   DATETIME(3)  NOT NULL,
  PRIMARY KEY (task_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS nacossync_replica (
  member      VARCHAR(200) NOT NULL,
  expires_at  DATETIME(3)  NOT NULL,
  PRIMARY KEY (member),
  KEY ix_replica_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
