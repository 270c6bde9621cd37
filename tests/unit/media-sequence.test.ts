// Image sequences: Aff-Wild2 cropped_aligned numbering (1-based, gaps are frames without a face),
// natural order for unnumbered files, idempotent re-import.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrameIndex, drawFrameCode } from '../../src/shared/framecode';
import { importSequenceMedia, layoutFrames, naturalCompare } from '../../src/node/media/sequence';
import { timestampsFromBlob } from '../../src/node/media/store';
import { openCropCache } from '../../src/node/store/crop-cache';
import { mediaFileFor } from '../../src/node/app/media-files';
import { Project } from '../../src/node/store/project';
import { tempDir } from './helpers';

let tmp: { dir: string; cleanup: () => void };
let project: Project;
let datasetId: number;

/** Writes a frame-coded PNG showing `code`. */
async function png(file: string, code: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(drawFrameCode(code, 64, 48)), { raw: { width: 64, height: 48, channels: 3 } }).png().toFile(file);
}

async function codeOf(file: string): Promise<number | null> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return decodeFrameIndex(data, info.width, info.height, info.channels);
}

beforeAll(() => {
  tmp = tempDir('aw-seq-');
  project = Project.create(path.join(tmp.dir, 'project'));
  datasetId = Number(project.db.prepare(`INSERT INTO datasets (name, source_format, created_at) VALUES ('aff', 'affwild2', 'now')`).run().lastInsertRowid);
});
afterAll(() => {
  project.close();
  tmp.cleanup();
});

type Row = { id: number; idx: number; path: string | null; face: string; subject: string | null; split: string };
const rows = (mediaId: number) => project.db.prepare('SELECT id, idx, path, face, subject, split FROM frames WHERE media_id = ? ORDER BY idx').all(mediaId) as Row[];

describe('layoutFrames', () => {
  it('numbers Aff-Wild2 style 1-based with gaps', () => {
    expect(layoutFrames(['00004.jpg', '00001.jpg', '00002.jpg'])).toEqual(['00001.jpg', '00002.jpg', null, '00004.jpg']);
  });
  it('is 0-based when a frame 0 exists, and honours firstNumber and minFrames', () => {
    expect(layoutFrames(['00000.png', '00002.png'])).toEqual(['00000.png', null, '00002.png']);
    expect(layoutFrames(['5.jpg', '6.jpg'], { firstNumber: 5, minFrames: 4 })).toEqual(['5.jpg', '6.jpg', null, null]);
  });
  it('uses natural order when names carry no common numbering', () => {
    expect(layoutFrames(['b10.jpg', 'a2.jpg', 'b9.jpg'])).toEqual(['a2.jpg', 'b9.jpg', 'b10.jpg']);
    expect(['img10', 'img9', 'img100', 'img1'].sort(naturalCompare)).toEqual(['img1', 'img9', 'img10', 'img100']);
    expect(layoutFrames(['frame_10.jpg', 'frame_2.jpg'])).toEqual([null, 'frame_2.jpg', ...Array(7).fill(null), 'frame_10.jpg']);
  });
  it('refuses two files for one frame, naming both', () => {
    expect(() => layoutFrames(['1.jpg', '001.jpg'])).toThrow(/1\.jpg.*001\.jpg|001\.jpg.*1\.jpg/);
  });
});

describe('importSequenceMedia', () => {
  it('imports a cropped_aligned folder: every number is a frame, gaps marked face none', async () => {
    const folder = path.join(tmp.dir, 'cropped_aligned', '12-24-1920x1080');
    for (const n of [1, 2, 3, 5, 6, 9]) await png(path.join(folder, `${String(n).padStart(5, '0')}.png`), n - 1);
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not a frame');
    const r = await importSequenceMedia(project, datasetId, folder, { fps: 30, subject: 'p12', split: 'train' });
    expect(r).toMatchObject({ frameCount: 9, missing: 3, created: true });
    const m = project.db.prepare('SELECT * FROM media WHERE id = ?').get(r.mediaId) as Record<string, unknown>;
    expect(m).toMatchObject({ name: '12-24-1920x1080', kind: 'sequence', width: 64, height: 48, frame_count: 9, fps: 30, fps_rational: '30/1', codec: 'png' });
    expect(Array.from(timestampsFromBlob(m.timestamps as Buffer) as Float64Array)).toEqual(Array.from({ length: 9 }, (_, i) => i / 30));
    const fr = rows(r.mediaId);
    expect(fr.map((f) => f.face)).toEqual(['unknown', 'unknown', 'unknown', 'none', 'unknown', 'unknown', 'none', 'none', 'unknown']);
    expect(fr.map((f) => f.path)).toEqual(['00001.png', '00002.png', '00003.png', null, '00005.png', '00006.png', null, null, '00009.png']);
    expect(new Set(fr.map((f) => `${f.subject}/${f.split}`))).toEqual(new Set(['p12/train']));
    // Frame idx N is the image showing N, through the media URL resolver the UI uses.
    for (const f of fr.filter((x) => x.path)) expect(await codeOf(mediaFileFor(project, `${r.mediaId}/frames/${f.idx}`))).toBe(f.idx);
  });

  it('re-imports idempotently and follows a changed folder', async () => {
    const folder = path.join(tmp.dir, 'seq2');
    for (const n of [1, 2, 3]) await png(path.join(folder, `${n}.png`), n - 1);
    const a = await importSequenceMedia(project, datasetId, folder);
    const before = rows(a.mediaId);
    project.db.prepare(`UPDATE frames SET face = 'ok' WHERE id = ?`).run(before[0].id);
    const cache = openCropCache(project.dir);
    await cache.putCrops(before.map((f) => ({ frameId: f.id, rgb: new Uint8Array(112 * 112 * 3) })), 'rgb');
    const b = await importSequenceMedia(project, datasetId, folder);
    expect(before.every((f) => cache.hasCrop(f.id))).toBe(true); // unchanged frames keep their crops
    expect(b.mediaId).toBe(a.mediaId);
    expect(b.created).toBe(false);
    expect(rows(b.mediaId)).toEqual([{ ...before[0], face: 'ok' }, ...before.slice(1)]);
    // Frame 2 deleted, frame 5 added: five frames, the gaps none, face results reset.
    fs.rmSync(path.join(folder, '2.png'));
    await png(path.join(folder, '5.png'), 4);
    const c = await importSequenceMedia(project, datasetId, folder);
    const after = rows(c.mediaId);
    expect(after.map((f) => f.face)).toEqual(['unknown', 'none', 'unknown', 'none', 'unknown']);
    expect(after.slice(0, 3).map((f) => f.id)).toEqual(before.map((f) => f.id));
    expect(project.db.prepare('SELECT COUNT(*) FROM frames WHERE media_id = ?').pluck().get(c.mediaId)).toBe(5);
    expect(before.some((f) => cache.hasCrop(f.id))).toBe(false); // changed frames lose their stale crops
    cache.close();
  });

  it('rejects an empty folder and a missing one', async () => {
    fs.mkdirSync(path.join(tmp.dir, 'empty'));
    await expect(importSequenceMedia(project, datasetId, path.join(tmp.dir, 'empty'))).rejects.toThrow(/no images/);
    await expect(importSequenceMedia(project, datasetId, path.join(tmp.dir, 'nowhere'))).rejects.toThrow(/nowhere/);
  });
});
