// Migration 7: the job that created a model (models.run_id). A model is created 'training' only
// while its job runs (createModel), and a job that stops without finishing sets every model it
// created back from 'training' (stopRunModels) — the ensemble too, which runs.model_id (the job's
// first model) does not name.
export const version = 7;
export const name = 'model run';
export const sql = /* sql */ `
ALTER TABLE models ADD COLUMN run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL;
CREATE INDEX models_run ON models(run_id) WHERE run_id IS NOT NULL;
`;
