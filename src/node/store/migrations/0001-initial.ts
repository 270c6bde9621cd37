// Migration 1: the foundation schema (DESIGN.md §4). STRICT tables; frames are addressed by
// (media_id, idx) and labels by (frame_id, task, layer), so the per-frame lookup of a media's
// frame range is two index range scans.
export const version = 1;
export const name = 'initial schema';
export const sql = /* sql */ `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE datasets (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  source_format TEXT NOT NULL,
  source_path   TEXT,
  -- JSON: per-task downsampling/oversampling the paper applies, binarisation thresholds, …
  settings      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
  created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE media (
  id          INTEGER PRIMARY KEY,
  dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('video', 'sequence', 'images')),
  -- relative to the project folder when inside it, else absolute
  path        TEXT NOT NULL,
  proxy_path  TEXT,
  codec       TEXT,
  fps         REAL,
  fps_rational TEXT,
  width       INTEGER,
  height      INTEGER,
  duration    REAL,
  frame_count INTEGER NOT NULL DEFAULT 0,
  -- Float64Array (little endian) of every frame's presentation timestamp, seconds
  timestamps  BLOB,
  created_at  TEXT NOT NULL,
  UNIQUE (dataset_id, name)
) STRICT;

CREATE TABLE frames (
  id          INTEGER PRIMARY KEY,
  media_id    INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
  idx         INTEGER NOT NULL CHECK (idx >= 0),
  -- image file for sequences and image datasets (relative to the media path), NULL for video frames
  path        TEXT,
  subject     TEXT,
  split       TEXT NOT NULL DEFAULT 'train' CHECK (split IN ('train', 'val', 'test')),
  face        TEXT NOT NULL DEFAULT 'unknown' CHECK (face IN ('unknown', 'ok', 'none', 'unusable')),
  UNIQUE (media_id, idx)
) STRICT;

-- Current labels. Two layers per frame and task: what was imported (ground truth) and what a human
-- set (a correction, or a model label a human accepted). Human beats imported when both exist.
-- A human row whose value columns are all NULL means "a human cleared this label".
CREATE TABLE labels (
  frame_id    INTEGER NOT NULL REFERENCES frames(id) ON DELETE CASCADE,
  task        TEXT NOT NULL CHECK (task IN ('au', 'expr', 'va')),
  layer       TEXT NOT NULL CHECK (layer IN ('imported', 'human')),
  -- AU: bit n = AU n (see src/shared/labels.ts); mask = labelled, bits = active
  au_mask     INTEGER,
  au_bits     INTEGER,
  expr        INTEGER CHECK (expr BETWEEN 0 AND 6),
  valence     REAL CHECK (valence BETWEEN -1 AND 1),
  arousal     REAL CHECK (arousal BETWEEN -1 AND 1),
  provenance  TEXT NOT NULL CHECK (provenance IN ('imported', 'human', 'accepted')),
  model_id    INTEGER REFERENCES models(id) ON DELETE SET NULL,
  author      TEXT,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (frame_id, task, layer),
  CHECK ((task = 'au') = (au_mask IS NOT NULL) OR (layer = 'human' AND au_mask IS NULL)),
  CHECK ((au_bits & ~au_mask) = 0)
) STRICT, WITHOUT ROWID;

-- One row per user action (a named edit over a frame or range); the undo stack.
CREATE TABLE actions (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  media_id    INTEGER REFERENCES media(id) ON DELETE CASCADE,
  frame_from  INTEGER,
  frame_to    INTEGER,
  author      TEXT,
  at          TEXT NOT NULL,
  undone      INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
) STRICT;

-- Every change to a human label, before and after (JSON of the row or NULL): audit and undo.
CREATE TABLE label_history (
  id          INTEGER PRIMARY KEY,
  action_id   INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
  frame_id    INTEGER NOT NULL REFERENCES frames(id) ON DELETE CASCADE,
  task        TEXT NOT NULL CHECK (task IN ('au', 'expr', 'va')),
  layer       TEXT NOT NULL CHECK (layer IN ('imported', 'human')),
  before      TEXT CHECK (before IS NULL OR json_valid(before)),
  after       TEXT CHECK (after IS NULL OR json_valid(after))
) STRICT;
CREATE INDEX label_history_action ON label_history(action_id);
CREATE INDEX label_history_frame ON label_history(frame_id, task);

CREATE TABLE models (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('teacher', 'student', 'ensemble')),
  arch        TEXT NOT NULL CHECK (arch IN ('cnn', 'cnn-rnn')),
  backbone    TEXT,
  parent_id   INTEGER REFERENCES models(id) ON DELETE SET NULL,
  -- JSON array of member model ids (ensembles)
  members     TEXT CHECK (members IS NULL OR json_valid(members)),
  config      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
  -- JSON array, one decision threshold per model AU, tuned on the validation split
  thresholds  TEXT CHECK (thresholds IS NULL OR json_valid(thresholds)),
  -- model folder relative to the project (models/<id>)
  path        TEXT,
  status      TEXT NOT NULL DEFAULT 'training' CHECK (status IN ('training', 'ready', 'failed')),
  created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,
  params      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
  status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
  model_id    INTEGER REFERENCES models(id) ON DELETE SET NULL,
  backend     TEXT,
  progress    REAL NOT NULL DEFAULT 0,
  stage       TEXT,
  error       TEXT,
  result      TEXT CHECK (result IS NULL OR json_valid(result)),
  created_at  TEXT NOT NULL,
  started_at  TEXT,
  finished_at TEXT
) STRICT;

CREATE TABLE run_epochs (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch       INTEGER NOT NULL,
  metrics     TEXT NOT NULL CHECK (json_valid(metrics)),
  at          TEXT NOT NULL,
  PRIMARY KEY (run_id, epoch)
) STRICT;

-- Model outputs per frame: a versioned little-endian record (see src/node/store/softlabels.ts).
CREATE TABLE soft_labels (
  model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  frame_id    INTEGER NOT NULL REFERENCES frames(id) ON DELETE CASCADE,
  data        BLOB NOT NULL,
  PRIMARY KEY (model_id, frame_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX soft_labels_frame ON soft_labels(frame_id);
`;
