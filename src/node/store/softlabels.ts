// Soft labels in the database: a model's raw outputs for one frame, stored per (model, frame) as a
// versioned BLOB. Only the SQL lives here; the byte format and the logits → probabilities maths are
// the codec's (src/shared/softlabels.ts).
import { SOFT_LABEL_WIDTH } from '../../shared/labels';
import { decodeSoftLabel, encodeSoftLabel, type SoftLabelDtype } from '../../shared/softlabels';
import type { Db } from './database';

/** Rows per write transaction: short, so interactive edits in the app are never blocked for long. */
export const SOFT_LABEL_BATCH = 2000;

/** Stored records of a model for the given frames (frame id → its 55 values); frames without one are absent. */
export function getSoftLabels(db: Db, modelId: number, frameIds: ArrayLike<number>): Map<number, Float32Array> {
  const stmt = db.prepare('SELECT data FROM soft_labels WHERE model_id = ? AND frame_id = ?').pluck();
  const out = new Map<number, Float32Array>();
  for (let i = 0; i < frameIds.length; i++) {
    const b = stmt.get(modelId, frameIds[i]) as Uint8Array | undefined;
    if (b) out.set(frameIds[i], decodeSoftLabel(b));
  }
  return out;
}

/**
 * Writes (replaces) the records of one model: frame `frameIds[k]` gets `records[k * 55 … (k + 1) * 55)`,
 * in transactions of SOFT_LABEL_BATCH rows. Returns the number of rows written.
 */
export function putSoftLabels(db: Db, modelId: number, frameIds: ArrayLike<number>, records: Float32Array, dtype: SoftLabelDtype = 'float32'): number {
  if (records.length !== frameIds.length * SOFT_LABEL_WIDTH) throw new Error(`putSoftLabels: ${frameIds.length} frames need ${frameIds.length * SOFT_LABEL_WIDTH} values, got ${records.length}`);
  const put = db.prepare('INSERT OR REPLACE INTO soft_labels(model_id, frame_id, data) VALUES (?, ?, ?)');
  for (let i = 0; i < frameIds.length; i += SOFT_LABEL_BATCH) {
    db.transaction(() => {
      for (let k = i; k < Math.min(frameIds.length, i + SOFT_LABEL_BATCH); k++) {
        put.run(modelId, frameIds[k], encodeSoftLabel(records.subarray(k * SOFT_LABEL_WIDTH, (k + 1) * SOFT_LABEL_WIDTH), dtype));
      }
    })();
  }
  return frameIds.length;
}
