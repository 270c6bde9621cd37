// Migration 4: the runs and models dashboard.
// - evaluations: one row per evaluation of a model on a dataset ('' = every dataset) and split,
//   written by the evaluate job (src/node/training/engine/pipeline.ts evaluateModel). Earlier evaluations are
//   kept (history); the dashboard shows the newest per model. `points` holds a bounded sample of
//   per-frame valence/arousal predictions next to their labels, for the scatter plot.
// - run_logs: the lines a job logged (job.log events), so the log of a run survives a reload and an
//   application restart like the run itself. Bounded per run by the writer.
export const version = 4;
export const name = 'evaluations and run logs';
export const sql = /* sql */ `
CREATE TABLE evaluations (
  id          INTEGER PRIMARY KEY,
  model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  dataset     TEXT NOT NULL DEFAULT '',
  split       TEXT NOT NULL CHECK (split IN ('train', 'val', 'test')),
  -- the evaluate job's report (the CLI's --json document)
  result      TEXT NOT NULL CHECK (json_valid(result)),
  points      TEXT CHECK (points IS NULL OR json_valid(points)),
  run_id      INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  at          TEXT NOT NULL
) STRICT;
CREATE INDEX evaluations_table ON evaluations(dataset, split, model_id, id);
CREATE INDEX evaluations_model ON evaluations(model_id);

CREATE TABLE run_logs (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  level       TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
  line        TEXT NOT NULL,
  at          TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;
`;
