-- only-if-index-exists: nacossync_run_entry.ix_run_entry_at
-- The run-entry rows lose their index on (task, kind, scope, at). Only the applied-removals scope is
-- ever read by time (a few rows per task: one per run that removed something), and the primary key's
-- (task, kind, scope) prefix already bounds that delete to its scope; every other row (100,000 kept
-- replicas at scale, written as a full run copies them) paid for a second index entry that nothing read.
-- Dropping a secondary index is an in-place change of InnoDB (no table copy). The line above makes a
-- rerun of this script, after a crash before its version was recorded, a no-op on MySQL and MariaDB alike.
ALTER TABLE nacossync_run_entry DROP INDEX ix_run_entry_at;
