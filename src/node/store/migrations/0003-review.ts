// Migration 3: review edits as an undo/redo history.
// - actions.superseded: an undone action that a later edit of the same media made unreachable by
//   redo (the usual "new edit clears the redo stack"), kept for the audit trail rather than deleted.
// - actions.at_frame: the frame the annotator was on; undo and redo jump back to it.
// - actions.undone_at: when it was undone (NULL while in force).
// - face_history: before/after of frames.face per action (label_history is per label task only).
// - actions_media: the undo lookup "newest action of this media still in force".
// - review_model_cache: one model's decoded outputs for a whole media item as float32 columns
//   (src/node/review/columns.ts), so the timeline of a long video opens without decoding every
//   soft label again. Derived data: triggers drop a model's rows whenever its soft labels change.
export const version = 3;
export const name = 'review history';
export const sql = /* sql */ `
ALTER TABLE actions ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0 CHECK (superseded IN (0, 1));
ALTER TABLE actions ADD COLUMN at_frame INTEGER;
ALTER TABLE actions ADD COLUMN undone_at TEXT;

CREATE INDEX actions_media ON actions(media_id, undone, id);

CREATE TABLE face_history (
  id          INTEGER PRIMARY KEY,
  action_id   INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
  frame_id    INTEGER NOT NULL REFERENCES frames(id) ON DELETE CASCADE,
  before      TEXT NOT NULL CHECK (before IN ('unknown', 'ok', 'none', 'unusable')),
  after       TEXT NOT NULL CHECK (after IN ('unknown', 'ok', 'none', 'unusable'))
) STRICT;
CREATE INDEX face_history_action ON face_history(action_id);
CREATE INDEX face_history_frame ON face_history(frame_id);

CREATE TABLE review_model_cache (
  model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  media_id    INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
  -- frame count the columns were computed for, and the layout version of data
  frames      INTEGER NOT NULL,
  version     INTEGER NOT NULL,
  data        BLOB NOT NULL,
  PRIMARY KEY (model_id, media_id)
) STRICT;
CREATE TRIGGER review_model_cache_insert AFTER INSERT ON soft_labels
  BEGIN DELETE FROM review_model_cache WHERE model_id = NEW.model_id; END;
CREATE TRIGGER review_model_cache_update AFTER UPDATE ON soft_labels
  BEGIN DELETE FROM review_model_cache WHERE model_id IN (OLD.model_id, NEW.model_id); END;
CREATE TRIGGER review_model_cache_delete AFTER DELETE ON soft_labels
  BEGIN DELETE FROM review_model_cache WHERE model_id = OLD.model_id; END;
`;
