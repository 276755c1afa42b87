-- The ownership ledger names the target cluster too: a task pointed at another target owns nothing
-- there until it writes it. Rows written before this migration get target_cluster '' and are
-- claimed by the task's current target at its next run (ConfigOwnershipLedger.ClaimUnassignedAsync).
ALTER TABLE nacossync_config_owned
  ADD COLUMN target_cluster VARCHAR(128) NOT NULL DEFAULT '' AFTER task_name,
  DROP PRIMARY KEY,
  ADD PRIMARY KEY (task_name, target_cluster, tenant_id, group_id, data_id);
