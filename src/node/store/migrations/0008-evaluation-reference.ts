// Migration 8: what an evaluation is measured against (issue 16). The evaluate job measures a
// model against the ground truth present in the split ('labels', on the frames labelled for each
// task); the demo also stores its evaluations against the complete truth its partial labels only
// partly reveal ('complete-truth', on every frame or on the frames that lacked the task's label).
// Rows from before keep 'labels' / 'labelled'. Table 2 reads the newest evaluation per model,
// reference and frames measured on: the index covers that lookup.
export const version = 8;
export const name = 'evaluation reference';
export const sql = /* sql */ `
ALTER TABLE evaluations ADD COLUMN reference TEXT NOT NULL DEFAULT 'labels' CHECK (reference IN ('labels', 'complete-truth'));
ALTER TABLE evaluations ADD COLUMN measured_on TEXT NOT NULL DEFAULT 'labelled'
  CHECK (measured_on IN ('labelled', 'all', 'unlabelled') AND (reference = 'labels') = (measured_on = 'labelled'));
DROP INDEX evaluations_table;
CREATE INDEX evaluations_table ON evaluations(dataset, split, model_id, reference, measured_on, id);
`;
