// Migration 9: many annotators (issue 15). Each annotator's labels are their own layer, stored in
// `annotations` (one row per frame, task, annotator and role; all value columns NULL = that
// annotator cleared the label). An adjudicator's final word is a row with role 'adjudicator'.
//
// The `labels` table's human layer stays what every reader (review, training samples, export,
// counts) uses: it is now the RESOLVED layer, materialised from the annotations of each
// (frame, task) under the project's annotator policy (meta 'annotator_policy', default
// 'consensus': adjudicated > majority vote for AU and expression > mean for valence/arousal; see
// src/shared/annotators.ts). `labels.merged_from` says how the resolved row came about: 'single'
// (one annotator), 'adjudicated', 'majority', 'mean', 'latest' or 'annotator' (one chosen
// annotator's layer); NULL only on imported rows.
//
// History: every label_history entry records the annotator (and role) whose layer it changed, so
// undo/redo is per annotator. Rows from before this migration become the layer of their author
// (or 'unknown' when none was recorded).
export const version = 9;
export const name = 'annotators';
export const sql = /* sql */ `
CREATE TABLE annotations (
  frame_id    INTEGER NOT NULL REFERENCES frames(id) ON DELETE CASCADE,
  task        TEXT NOT NULL CHECK (task IN ('au', 'expr', 'va')),
  annotator   TEXT NOT NULL CHECK (length(annotator) BETWEEN 1 AND 120),
  role        TEXT NOT NULL DEFAULT 'annotator' CHECK (role IN ('annotator', 'adjudicator')),
  au_mask     INTEGER,
  au_bits     INTEGER,
  expr        INTEGER CHECK (expr BETWEEN 0 AND 6),
  valence     REAL CHECK (valence BETWEEN -1 AND 1),
  arousal     REAL CHECK (arousal BETWEEN -1 AND 1),
  -- human: set by hand; accepted: a model's label the annotator accepted; trace: a continuous
  -- valence/arousal trace pass; imported: read from an annotator column or per-annotator file
  provenance  TEXT NOT NULL CHECK (provenance IN ('human', 'accepted', 'trace', 'imported')),
  model_id    INTEGER REFERENCES models(id) ON DELETE SET NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (frame_id, task, annotator, role)
) STRICT, WITHOUT ROWID;
CREATE INDEX annotations_annotator ON annotations(annotator, role, task);

INSERT INTO annotations(frame_id, task, annotator, role, au_mask, au_bits, expr, valence, arousal, provenance, model_id, updated_at)
  SELECT frame_id, task, COALESCE(NULLIF(author, ''), 'unknown'), 'annotator', au_mask, au_bits, expr, valence, arousal,
         provenance, model_id, updated_at
  FROM labels WHERE layer = 'human';

ALTER TABLE labels ADD COLUMN merged_from TEXT
  CHECK (merged_from IS NULL OR merged_from IN ('single', 'adjudicated', 'majority', 'mean', 'latest', 'annotator'));
UPDATE labels SET merged_from = 'single' WHERE layer = 'human';

ALTER TABLE label_history ADD COLUMN annotator TEXT;
ALTER TABLE label_history ADD COLUMN role TEXT NOT NULL DEFAULT 'annotator' CHECK (role IN ('annotator', 'adjudicator'));
UPDATE label_history SET annotator = COALESCE(NULLIF((SELECT a.author FROM actions a WHERE a.id = label_history.action_id), ''), 'unknown')
  WHERE layer = 'human';
UPDATE actions SET author = 'unknown' WHERE author IS NULL OR author = '';
`;
