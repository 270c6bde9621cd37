// Migration 6: imports that share the database with other writers (docs/ARCHITECTURE.md §3).
// - datasets.state: 'staging' while an import writes a NEW dataset in short transactions; every
//   reader lists only 'ready' datasets, so a dataset appears whole or not at all. Publishing is one
//   short transaction that renames the row to its dataset name and sets 'ready'.
// - imports: one row per running import (the dataset name it writes, the hidden staging dataset
//   when there is one, the owning process and a heartbeat). A second import of the same dataset is
//   refused while the row is live; a row whose process is gone (or whose heartbeat is older than
//   10 minutes) is stale, and the next import removes it together with its staging dataset.
export const version = 6;
export const name = 'import staging';
export const sql = /* sql */ `
ALTER TABLE datasets ADD COLUMN state TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'staging'));

CREATE TABLE imports (
  id           INTEGER PRIMARY KEY,
  -- the dataset the import writes (its name once published)
  dataset      TEXT NOT NULL UNIQUE,
  -- the hidden dataset a staged import writes into; NULL for an import in one transaction
  staging_id   INTEGER UNIQUE REFERENCES datasets(id) ON DELETE CASCADE,
  format       TEXT NOT NULL,
  pid          INTEGER NOT NULL,
  host         TEXT NOT NULL,
  started_at   TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL
) STRICT;
`;
