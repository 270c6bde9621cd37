// Streams one Aff-Wild2 annotation file (AU / EXPR / VA) into the labels of one media item.
// Line k after the header is frame index k − 1.
//
// Length rule: when the media's frame count is known (a probed video) and the file's line count
// differs, the import fails naming the file and both counts, unless allowLengthMismatch: then extra
// lines are dropped (skipped: beyond-last-frame) and frames without a line stay unlabelled (a
// warning). For image sequences and label-only media the frames grow with the lines.
import type { Task } from '../../shared/labels';
import {
  EXPR_INVALID,
  EXPR_NONE,
  EXPR_OTHER,
  parseAuHeader,
  parseAuLine,
  parseExprHeader,
  parseExprLine,
  parseVaHeader,
  parseVaLine,
  VA_INVALID,
  VA_NONE,
  VA_OK,
  type AuValue,
  type VaValue,
} from './affwild2-parse';
import type { ImportContext } from './context';
import { fileError, inputError } from './errors';
import { lineChunks } from './lines';
import type { Face, MediaFrames } from './writer';

export interface LabelTarget {
  mf: MediaFrames;
  /** The media's frame count when fixed by the media (a video); null when frames follow the lines. */
  fixed: number | null;
  /** Face status of frames created for lines beyond existing frames. */
  grow: Face;
  /** "video v1.mp4" — for messages. */
  what: string;
}

export interface FileProgress {
  done: number;
  total: number;
}

const HEADER_HINT: Record<Task, string> = {
  au: 'a header line of AU names such as "AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25"',
  expr: 'a header line of expression names such as "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise"',
  va: 'a header line "valence,arousal"',
};

/** Imports one annotation file; returns the number of frame lines it has. */
export async function importAffWildFile(ctx: ImportContext, task: Task, file: string, shown: string, t: LabelTarget, prog: FileProgress): Promise<number> {
  const { w, sum } = ctx;
  const allow = !!ctx.opts.allowLengthMismatch;
  w.clearImported(t.mf.mediaId, task);

  let au: ReturnType<typeof parseAuHeader> = null;
  let expr: ReturnType<typeof parseExprHeader> = null;
  let va: ReturnType<typeof parseVaHeader> = null;
  let expected = '';
  const auOut: AuValue = { mask: 0, bits: 0 };
  const vaOut: VaValue = { valence: 0, arousal: 0 };
  let header = false;
  let dataLines = 0;
  let blankAt = 0; // first line of a run of empty lines (allowed only at the end of the file)
  let beyond = 0;
  let partialVa = 0;
  let other = 0;
  let before = 0;
  const limit = t.fixed ?? Number.POSITIVE_INFINITY;

  for (const chunk of lineChunks(file, { shown })) {
    const lines = chunk.lines;
    let i = 0;
    if (!header) {
      const h = lines[0];
      if (task === 'au') au = parseAuHeader(h);
      else if (task === 'expr') expr = parseExprHeader(h);
      else va = parseVaHeader(h);
      const fmt = au ?? expr ?? va;
      if (!fmt) throw inputError(shown, 1, HEADER_HINT[task], h);
      expected = fmt.expected;
      header = true;
      i = 1;
    }
    if (t.fixed === null) {
      // frames follow the lines: create them up to the chunk's last non-empty line
      let last = lines.length - 1;
      while (last >= i && lines[last] === '') last--;
      if (last >= i) t.mf.ensure(chunk.first + last - 1, t.grow);
    }
    for (; i < lines.length; i++) {
      const line = lines[i];
      const lineNo = chunk.first + i;
      if (line === '') {
        if (!blankAt) blankAt = lineNo;
        continue;
      }
      if (blankAt) throw inputError(shown, blankAt, `${expected} (empty lines are allowed only at the end)`, '');
      const idx = lineNo - 2;
      dataLines++;
      // lines beyond the video's last frame are still validated, then dropped (or fail below)
      const frameId = idx < limit ? t.mf.id(idx) : 0;
      if (!frameId) beyond++;
      if (task === 'au') {
        if (!parseAuLine(au!, line, auOut)) throw inputError(shown, lineNo, expected, line);
        if (frameId && auOut.mask !== 0 && auOut.mask !== 0n) w.addAu(frameId, auOut.mask, auOut.bits);
      } else if (task === 'expr') {
        const e = parseExprLine(expr!, line);
        if (e >= 0) {
          if (frameId) w.addExpr(frameId, e);
        }
        else if (e === EXPR_INVALID) throw inputError(shown, lineNo, expected, line);
        else if (e === EXPR_OTHER) other++;
        else if (e !== EXPR_NONE) throw new Error('unreachable');
      } else {
        const r = parseVaLine(va!, line, vaOut);
        if (r === VA_OK) {
          if (frameId) w.addVa(frameId, vaOut.valence, vaOut.arousal);
        }
        else if (r === VA_INVALID) throw inputError(shown, lineNo, expected, line);
        else if (r !== VA_NONE) partialVa++;
      }
    }
    prog.done += chunk.bytesDone - before;
    before = chunk.bytesDone;
    await ctx.progress(prog.done, prog.total, 'labels');
  }
  if (!header) throw fileError(shown, `expected ${HEADER_HINT[task]}, got an empty file`);
  const lineCount = dataLines;
  sum.s.rowsRead += lineCount;
  if (t.fixed !== null && lineCount !== t.fixed) {
    const msg = `${shown} has ${lineCount} frame lines but ${t.what} has ${t.fixed} frames`;
    if (!allow) {
      throw fileError(
        shown,
        `has ${lineCount} frame lines but ${t.what} has ${t.fixed} frames; fix the file, or pass --allow-length-mismatch ` +
          '(extra lines are dropped, frames without a line stay unlabelled)',
      );
    }
    if (beyond) sum.skip('beyond-last-frame', beyond, `${msg}: dropped the last ${beyond} lines`);
    else sum.warn(`${msg}: the last ${t.fixed - lineCount} frames have no ${task.toUpperCase()} line`, 'length-mismatch');
  }
  if (other) sum.skip('expr-other', other, `${shown}: ${other} frames labelled "Other", a class the model does not have; left unlabelled`);
  if (partialVa) sum.skip('va-half-missing', partialVa, `${shown}: ${partialVa} lines have only one of valence/arousal (-5 for the other); left unlabelled`);
  return lineCount;
}
