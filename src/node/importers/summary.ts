// What an import did, for the CLI's printout, the job result and tests. Skips are counted per reason
// (never silently dropped); warnings are sentences, capped so a dataset with a million bad lines
// still returns a small object (the counts stay exact).
import type { Task } from '../../shared/labels';

export interface ImportSummary {
  format: string;
  datasetId: number;
  dataset: string;
  /** Data rows read from the label sources (lines, CSV records, JSON frame entries); headers excluded. */
  rowsRead: number;
  /** Media items registered or updated. */
  media: number;
  /** Frames created by this import. */
  framesCreated: number;
  /** Frames of this import's media (created + already present). */
  frames: number;
  /** Imported label rows written, per task. */
  labels: Record<Task, number>;
  /** Frames per split among this import's frames. */
  splits: Record<string, number>;
  /** Face crops written to the crop cache. */
  crops: number;
  /** Reason → count of things (lines, images, entries) not imported. */
  skipped: Record<string, number>;
  warnings: string[];
  /** Warnings beyond the cap, counted only. */
  moreWarnings: number;
  seconds: number;
}

export const MAX_WARNINGS = 50;
export const EXAMPLES_PER_KIND = 5;

export class SummaryBuilder {
  readonly s: ImportSummary;
  private readonly t0 = performance.now();
  private readonly perKind = new Map<string, number>();

  constructor(format: string) {
    this.s = {
      format,
      datasetId: 0,
      dataset: '',
      rowsRead: 0,
      media: 0,
      framesCreated: 0,
      frames: 0,
      labels: { au: 0, expr: 0, va: 0 },
      splits: {},
      crops: 0,
      skipped: {},
      warnings: [],
      moreWarnings: 0,
      seconds: 0,
    };
  }

  /**
   * Records a warning sentence. With a `kind`, at most EXAMPLES_PER_KIND sentences of that kind are
   * kept (a million duplicate lines yield a few examples and an exact count, not a million strings).
   */
  warn(message: string, kind?: string): void {
    if (kind !== undefined) {
      const k = this.perKind.get(kind) ?? 0;
      this.perKind.set(kind, k + 1);
      if (k >= EXAMPLES_PER_KIND) {
        this.s.moreWarnings++;
        return;
      }
    }
    if (this.s.warnings.length < MAX_WARNINGS) this.s.warnings.push(message);
    else this.s.moreWarnings++;
  }

  /** Counts `n` things not imported for `reason`, with an optional example sentence. */
  skip(reason: string, n = 1, warning?: string): void {
    this.s.skipped[reason] = (this.s.skipped[reason] ?? 0) + n;
    if (warning) this.warn(warning, reason);
  }

  finish(): ImportSummary {
    this.s.seconds = (performance.now() - this.t0) / 1000;
    return this.s;
  }
}

/** A human-readable summary for the terminal. */
export function formatSummary(s: ImportSummary): string {
  const lines = [
    `Imported ${s.format} into dataset "${s.dataset}" (id ${s.datasetId}) in ${s.seconds.toFixed(1)} s`,
    `  rows read      ${s.rowsRead}`,
    `  media          ${s.media}`,
    `  frames         ${s.frames} (${s.framesCreated} new)  ${Object.entries(s.splits).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  labels         AU ${s.labels.au}  EXPR ${s.labels.expr}  VA ${s.labels.va}`,
  ];
  if (s.crops) lines.push(`  face crops     ${s.crops}`);
  const skipped = Object.entries(s.skipped);
  if (skipped.length) lines.push(`  skipped        ${skipped.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (s.warnings.length) {
    lines.push('  warnings:');
    for (const w of s.warnings) lines.push(`    - ${w}`);
    if (s.moreWarnings) lines.push(`    … and ${s.moreWarnings} more`);
  }
  return lines.join('\n');
}
