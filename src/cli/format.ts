// Human-readable summaries for the terminal.
import type { ProjectInfo } from '../shared/contract';

export function formatInfo(info: ProjectInfo): string {
  const lines: string[] = [];
  lines.push(`Project "${info.project.name}" (${info.project.dir}), schema v${info.project.schemaVersion}`);
  if (info.datasets.length === 0) lines.push('  no datasets yet: import one with `affect-workbench import …`');
  for (const d of info.datasets) {
    const splits = Object.entries(d.splits)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(`  dataset ${d.name} [${d.sourceFormat}]: ${d.frames} frames (${splits || 'none'}); labels AU ${d.labels.au}, EXPR ${d.labels.expr}, VA ${d.labels.va}; ${d.media.length} media`);
  }
  if (info.models.length) {
    lines.push('  models:');
    for (const m of info.models) lines.push(`    #${m.id} ${m.name} (${m.kind}, ${m.arch}${m.backbone ? `, ${m.backbone}` : ''}) ${m.status}`);
  }
  return lines.join('\n');
}
