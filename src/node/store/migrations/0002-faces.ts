// Migration 2: the video/face pipeline.
// - media.pts_offset: absolute pts (seconds) of the first presented frame of the file the player
//   plays (the proxy when there is one). media.timestamps are relative to it, so a player's
//   currentTime for frame N is pts_offset + timestamps[N].
// - media.source_offset: the same for the original file (decoders of the original need it).
// - faces: one detected face per frame that has one (frames.face = 'ok'); frames without a face
//   are frames.face = 'none' and have no row here. The 112×112 aligned crop lives in the crop
//   cache (cache/crops.sqlite), keyed by frame id.
export const version = 2;
export const name = 'faces and media pts offset';
export const sql = /* sql */ `
ALTER TABLE media ADD COLUMN pts_offset REAL NOT NULL DEFAULT 0;
ALTER TABLE media ADD COLUMN source_offset REAL NOT NULL DEFAULT 0;

CREATE TABLE faces (
  frame_id    INTEGER PRIMARY KEY REFERENCES frames(id) ON DELETE CASCADE,
  -- face box in pixels of the decoded (display-oriented) frame
  x           REAL NOT NULL,
  y           REAL NOT NULL,
  w           REAL NOT NULL CHECK (w > 0),
  h           REAL NOT NULL CHECK (h > 0),
  score       REAL NOT NULL CHECK (score BETWEEN 0 AND 1),
  -- which detector found the box: SSD-MobileNet v1, the tiny detector tracking between SSD
  -- detections, or 'given' for images that are already aligned face crops
  detector    TEXT NOT NULL CHECK (detector IN ('ssd', 'tiny', 'given')),
  -- Float32Array (little endian) of the 68 landmarks as x0, y0, x1, y1, … in frame pixels; NULL for 'given'
  landmarks   BLOB CHECK (landmarks IS NULL OR length(landmarks) = 544)
) STRICT;
`;
