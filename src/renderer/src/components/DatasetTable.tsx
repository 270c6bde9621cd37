// The project's datasets: frames, splits and label counts per task (AU / EXPR / VA), and the frames
// left to review (the "model disagrees" queue, any task, with the other queues in the tooltip); a
// row expands to its media items with their own counts and a link to review each one.
import { Fragment, useState } from 'react';
import type { DatasetSummary, MediaSummary, TaskCounts } from '../../../shared/contract';
import type { DatasetWork, WorkCounts } from '../../../shared/review-contract';
import { fmtInt, fmtShare } from '../format';
import { routeHash } from '../router';

function Count({ n, total, testid }: { n: number; total: number; testid: string }) {
  const share = total > 0 ? Math.min(1, n / total) : 0;
  return (
    <td className="num count-cell" data-testid={testid} title={`${fmtInt(n)} of ${fmtInt(total)} frames labelled`}>
      <span className="count-value">{fmtInt(n)}</span>
      <span className="count-share">{fmtShare(n, total)}</span>
      <span className="meter" aria-hidden>
        <span style={{ width: `${(share * 100).toFixed(1)}%` }} />
      </span>
    </td>
  );
}

function Counts({ c, total }: { c: TaskCounts; total: number }) {
  return (
    <>
      <Count n={c.au} total={total} testid="count-au" />
      <Count n={c.expr} total={total} testid="count-expr" />
      <Count n={c.va} total={total} testid="count-va" />
    </>
  );
}

/** Frames the "model disagrees" queue holds (any task); the tooltip names every queue. */
function ToReview({ w, testid }: { w: WorkCounts | undefined; testid: string }) {
  if (!w) return <td className="num muted">–</td>;
  const title = `Left to review — model disagrees: ${fmtInt(w.disagree.any)} frames (AU ${fmtInt(w.disagree.au)}, EXPR ${fmtInt(w.disagree.expr)}, VA ${fmtInt(w.disagree.va)}); model uncertain: ${fmtInt(w.uncertain.any)}; unlabelled for some task: ${fmtInt(w.unlabelled.any)}`;
  return (
    <td className="num" data-testid={testid} data-disagree={w.disagree.any} data-uncertain={w.uncertain.any} title={title}>
      {fmtInt(w.disagree.any)}
    </td>
  );
}

function splitsText(splits: Record<string, number>): string {
  const order = ['train', 'val', 'test'];
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  const keys = Object.keys(splits).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return keys.length ? keys.map((k) => `${k} ${fmtInt(splits[k])}`).join(' · ') : '–';
}

function MediaRow({ m, work }: { m: MediaSummary; work: WorkCounts | undefined }) {
  return (
    <tr className="media-row" data-testid="media-row" data-media-id={m.id}>
      <td className="indent">
        <a href={routeHash({ name: 'review', mediaId: m.id })} data-testid="media-link">
          {m.name}
        </a>
      </td>
      <td className="muted">
        {m.kind}
        {m.width && m.height ? ` · ${m.width}×${m.height}` : ''}
        {m.fps ? ` · ${m.fps.toFixed(2)} fps` : ''}
      </td>
      <td className="num">{fmtInt(m.frameCount)}</td>
      <td className="muted">–</td>
      <Counts c={m.labels} total={m.frameCount} />
      <ToReview w={work} testid="media-to-review" />
    </tr>
  );
}

export function DatasetTable({ datasets, work }: { datasets: DatasetSummary[]; work?: readonly DatasetWork[] }) {
  const [expanded, setExpanded] = useState<Record<number, boolean>>({});
  return (
    <div className="table-scroll">
      <table className="table" data-testid="dataset-list">
        <thead>
          <tr>
            <th>Dataset / media</th>
            <th>Source</th>
            <th className="num">Frames</th>
            <th>Splits</th>
            <th className="num">AU</th>
            <th className="num">EXPR</th>
            <th className="num">VA</th>
            <th className="num" title="Frames where the model strongly disagrees with the label in force (the review screen's queue; Limits… there says what counts)">
              To review
            </th>
          </tr>
        </thead>
        <tbody>
          {datasets.map((d) => {
            const open = !!expanded[d.id];
            const w = work?.find((x) => x.datasetId === d.id);
            return (
              <Fragment key={d.id}>
                <tr className="dataset-row" data-testid="dataset-row" data-dataset-id={d.id}>
                  <td>
                    <button
                      type="button"
                      className="disclosure"
                      aria-expanded={open}
                      data-testid="dataset-toggle"
                      onClick={() => setExpanded((e) => ({ ...e, [d.id]: !open }))}
                    >
                      <span className="chevron" aria-hidden>
                        {open ? '▾' : '▸'}
                      </span>
                      <strong data-testid="dataset-name">{d.name}</strong>
                      <span className="muted">
                        {' '}
                        {d.media.length} media
                      </span>
                    </button>
                  </td>
                  <td className="muted">{d.sourceFormat}</td>
                  <td className="num" data-testid="dataset-frames">
                    {fmtInt(d.frames)}
                  </td>
                  <td className="muted nowrap" data-testid="dataset-splits">
                    {splitsText(d.splits)}
                  </td>
                  <Counts c={d.labels} total={d.frames} />
                  <ToReview w={w?.counts} testid="dataset-to-review" />
                </tr>
                {open &&
                  (d.media.length ? (
                    d.media.map((m) => <MediaRow key={m.id} m={m} work={w?.media.find((x) => x.mediaId === m.id)?.counts} />)
                  ) : (
                    <tr className="media-row">
                      <td className="indent muted" colSpan={8}>
                        No media in this dataset.
                      </td>
                    </tr>
                  ))}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
