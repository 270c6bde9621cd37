// Migration 5: jobs owned by a live process. A queued or running job row names the process that
// owns it (a random token per supervisor, its pid, host and start stamp) and a lease the owner
// renews every few seconds (src/node/jobs/leases.ts). A reader treats such a row as interrupted
// only when its owner is provably gone: the lease expired, or the pid is dead on this host. Opening
// a project therefore never rewrites the rows of another live process.
// - owner_start: the owner's process start stamp (Linux: /proc/<pid>/stat starttime), so a reused
//   pid is not taken for the owner; NULL where the platform does not tell.
// - lease_until: ms since the epoch.
// - worker_pid: the worker process that runs the job (diagnostics; the owner kills it, not others).
// - cancel_requested: set by another process's cancel; the owner's heartbeat honours it.
export const version = 5;
export const name = 'job leases';
export const sql = /* sql */ `
ALTER TABLE runs ADD COLUMN owner_token TEXT;
ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE runs ADD COLUMN owner_host TEXT;
ALTER TABLE runs ADD COLUMN owner_start TEXT;
ALTER TABLE runs ADD COLUMN lease_until INTEGER;
ALTER TABLE runs ADD COLUMN worker_pid INTEGER;
ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1));
CREATE INDEX runs_active ON runs(status) WHERE status IN ('queued', 'running');
`;
