// What the CNN and CNN-RNN students jobs share: the teacher's soft labels for every training
// frame, and the set of student models of one job (a group; --resume continues the newest).
import { createModel } from '../../store/models';
import type { ModelRow } from '../../store/models';
import type { SampleSet } from '../../../shared/samples';
import type { EngineSession } from './context';
import { getSoftLabels } from '../../store/softlabels';

/** The teacher's stored records for every training frame, or an error naming the fix. */
export function teacherRecordsFor(sess: EngineSession, teacher: ModelRow, train: SampleSet): Map<number, Float32Array> {
  const stored = getSoftLabels(sess.project.db, teacher.id, train.frameId.subarray(0, train.n));
  if (stored.size < train.n) {
    throw new Error(
      `the teacher ${teacher.name} has soft labels for ${stored.size} of ${train.n} training frames: run "soft-labels --model ${teacher.id}" first`,
    );
  }
  return stored;
}

export interface StudentSpec {
  name: string;
  arch?: ModelRow['arch'];
  backbone: string | null;
  config: Record<string, unknown>;
}

/**
 * The student model ids of this job: the newest group of the teacher's students when resuming,
 * else `count` new ones, student k seeded base + 1000·(k + 1) so students differ.
 */
export function studentGroup(
  sess: EngineSession,
  teacher: ModelRow,
  opts: { resume: boolean; count: number; baseSeed: number; spec: (k: number) => StudentSpec },
): number[] {
  const db = sess.project.db;
  if (opts.resume) {
    const ids = db
      .prepare(
        `SELECT id FROM models WHERE kind = 'student' AND parent_id = ? AND json_extract(config, '$.group') = (
           SELECT json_extract(config, '$.group') FROM models WHERE kind = 'student' AND parent_id = ? ORDER BY id DESC LIMIT 1) ORDER BY id`,
      )
      .pluck()
      .all(teacher.id, teacher.id) as number[];
    if (ids.length === 0) throw new Error(`teacher ${teacher.id} has no students to resume`);
    return ids;
  }
  const group = Date.now();
  return Array.from({ length: opts.count }, (_, k) => {
    const s = opts.spec(k);
    const config = { ...s.config, seed: opts.baseSeed + 1000 * (k + 1), group, index: k, teacher: teacher.id, backend: sess.backend.name };
    return createModel(db, { kind: 'student', arch: s.arch, name: s.name, backbone: s.backbone, parentId: teacher.id, config, runId: sess.runId }).id;
  });
}
