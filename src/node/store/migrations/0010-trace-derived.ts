// Migration 10: smoothed valence/arousal traces (issue 15, item 4). A layer DERIVED from an
// annotator's raw trace (their rows in `annotations`), stored apart so the raw trace is never
// overwritten; it is shown as its own timeline lane and is no label in force unless the annotator
// applies it (an ordinary undoable action writing it as their valence/arousal). One row per frame,
// annotator and method; `params` says how it was made ("window 9 frames"). Recomputing replaces the
// rows of the range it covers.
export const version = 10;
export const name = 'trace derived';
export const sql = /* sql */ `
CREATE TABLE trace_derived (
  frame_id    INTEGER NOT NULL REFERENCES frames(id) ON DELETE CASCADE,
  annotator   TEXT NOT NULL CHECK (length(annotator) BETWEEN 1 AND 120),
  method      TEXT NOT NULL CHECK (method IN ('moving-average')),
  valence     REAL CHECK (valence BETWEEN -1 AND 1),
  arousal     REAL CHECK (arousal BETWEEN -1 AND 1),
  params      TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (frame_id, annotator, method)
) STRICT, WITHOUT ROWID;
`;
