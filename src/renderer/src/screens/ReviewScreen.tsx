// Placeholder for the review screen (its own issue): names the media item the route points at, so
// links from the dataset table already land on the right item.
import type { DatasetSummary, MediaSummary } from '../../../shared/contract';
import { fmtInt } from '../format';
import { routeHash } from '../router';
import { useApp } from '../store';

function findMedia(datasets: DatasetSummary[], id: number): { media: MediaSummary; dataset: DatasetSummary } | null {
  for (const d of datasets) {
    const m = d.media.find((x) => x.id === id);
    if (m) return { media: m, dataset: d };
  }
  return null;
}

export function ReviewScreen({ mediaId }: { mediaId: number | null }) {
  const project = useApp((s) => s.project);
  const info = useApp((s) => s.info);
  if (!project)
    return (
      <section className="panel">
        <h2 className="panel-title">Review</h2>
        <p className="empty">
          Open a project first, then choose a media item from its datasets. <a href={routeHash({ name: 'home' })}>Go to the project screen</a>
        </p>
      </section>
    );
  if (mediaId === null)
    return (
      <section className="panel">
        <h2 className="panel-title">Review</h2>
        <p className="empty" data-testid="review-choose">
          Choose a media item: expand a dataset on the <a href={routeHash({ name: 'home' })}>project screen</a> and click a media name.
        </p>
      </section>
    );
  if (!info) return <p className="empty">Loading…</p>;
  const found = findMedia(info.datasets, mediaId);
  if (!found)
    return (
      <section className="panel">
        <h2 className="panel-title">Review</h2>
        <p className="empty" data-testid="review-missing">
          This project has no media item #{mediaId}. <a href={routeHash({ name: 'home' })}>Back to the project</a>
        </p>
      </section>
    );
  const { media, dataset } = found;
  return (
    <section className="panel">
      <h2 className="panel-title">
        Review · <span data-testid="review-media-name">{media.name}</span>
        <span className="panel-count">{dataset.name}</span>
      </h2>
      <dl className="facts">
        <dt>Kind</dt>
        <dd>{media.kind}</dd>
        <dt>Frames</dt>
        <dd>{fmtInt(media.frameCount)}</dd>
        <dt>Frame rate</dt>
        <dd>{media.fps ? `${media.fps.toFixed(3)} fps` : '–'}</dd>
        <dt>Size</dt>
        <dd>{media.width && media.height ? `${media.width}×${media.height}` : '–'}</dd>
        <dt>Labels</dt>
        <dd>
          AU {fmtInt(media.labels.au)} · EXPR {fmtInt(media.labels.expr)} · VA {fmtInt(media.labels.va)}
        </dd>
        <dt>File</dt>
        <dd className="mono">{media.path}</dd>
      </dl>
      <p className="callout" data-testid="review-next">
        Frame-by-frame review comes next: the video with the model's soft labels overlaid beside the ground truth, scrubbing frame by frame, and
        corrections with undo arrive with the review issue.
      </p>
    </section>
  );
}
