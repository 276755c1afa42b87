-- Config sync's ownership ledger: the target configs each task wrote. Only these are deleted
-- when the source loses them (unless the task mirrors the source).
CREATE TABLE IF NOT EXISTS nacossync_config_owned (
  task_name   VARCHAR(128) NOT NULL,
  tenant_id   VARCHAR(128) NOT NULL,
  group_id    VARCHAR(128) NOT NULL,
  data_id     VARCHAR(255) NOT NULL,
  md5         VARCHAR(32)  NOT NULL,
  written_at  DATETIME(3)  NOT NULL,
  PRIMARY KEY (task_name, tenant_id, group_id, data_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
