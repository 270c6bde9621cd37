// Numbered migrations, applied in order; PRAGMA user_version records the last one applied.
// A new migration is a new file here, never an edit of a shipped one.
import * as m0001 from './0001-initial';
import * as m0002 from './0002-faces';
import * as m0003 from './0003-review';
import * as m0004 from './0004-evaluations';
import * as m0005 from './0005-job-leases';
import * as m0006 from './0006-import-staging';
import * as m0007 from './0007-model-run';
import * as m0008 from './0008-evaluation-reference';
import * as m0009 from './0009-annotators';
import * as m0010 from './0010-trace-derived';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010];
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
