// The home screen. Without a project: recent projects and the New/Open forms. With one: its name
// and folder, datasets with frame, split and label counts and frames left to review, and models —
// each with an empty state that says what to do next.
import { useEffect, useState } from 'react';
import type { DatasetWork } from '../../../shared/review-contract';
import { call } from '../api';
import { runCommand } from '../commands';
import { AnnotatorPolicy } from '../components/AnnotatorPolicy';
import { DatasetTable } from '../components/DatasetTable';
import { ModelTable } from '../components/ModelTable';
import { ProjectPathForm } from '../components/ProjectPathForm';
import { RecentList } from '../components/RecentList';
import { fmtDate, fmtInt } from '../format';
import { storedCriteria } from '../review/criteria-store';
import { reportError, useApp } from '../store';

/** Frames left per queue for each dataset and media item, under the user's review limits; re-read when the project info is. */
function useWork(): DatasetWork[] | undefined {
  const info = useApp((s) => s.info);
  const [work, setWork] = useState<DatasetWork[] | undefined>(undefined);
  useEffect(() => {
    if (!info?.datasets.length) return;
    let live = true;
    call('review.workSummary', { criteria: storedCriteria() }).then((w) => live && setWork(w.datasets), reportError);
    return () => {
      live = false;
    };
  }, [info]);
  return work;
}

function Welcome() {
  return (
    <div className="home-grid welcome">
      <div className="stack">
        <section className="panel">
          <h2 className="panel-title">Recent projects</h2>
          <RecentList />
        </section>
        <section className="panel">
          <h2 className="panel-title">How a project goes</h2>
          <ol className="workflow">
            <li>
              <strong>Import partially labelled data</strong>
              <span>Videos or image sequences; each frame labelled for AUs, expression or valence/arousal — one task or two.</span>
            </li>
            <li>
              <strong>Train a teacher</strong>
              <span>One multitask model learns all three tasks from whatever labels each frame has.</span>
            </li>
            <li>
              <strong>Generate and review soft labels</strong>
              <span>The teacher labels every frame; scrub the video, compare with ground truth, correct what is wrong.</span>
            </li>
            <li>
              <strong>Train students, evaluate, export</strong>
              <span>Students learn from ground truth, corrections and soft labels; ensemble them and export per-frame CSVs.</span>
            </li>
          </ol>
        </section>
      </div>
      <div className="stack">
        <section className="panel">
          <h2 className="panel-title">New project</h2>
          <p className="panel-hint">A project is a folder: the label database, imported media, models and caches.</p>
          <ProjectPathForm mode="new" idPrefix="home-new-project" />
        </section>
        <section className="panel">
          <h2 className="panel-title">Open project</h2>
          <ProjectPathForm mode="open" idPrefix="home-open-project" />
        </section>
      </div>
    </div>
  );
}

function ProjectOverview() {
  const project = useApp((s) => s.project)!;
  const info = useApp((s) => s.info);
  const datasets = info?.datasets ?? [];
  const models = info?.models ?? [];
  const frames = datasets.reduce((a, d) => a + d.frames, 0);
  const work = useWork();
  return (
    <div className="home-grid">
      <div className="stack">
        <section className="panel project-header">
          <div>
            <h1 className="project-name" data-testid="project-name">
              {project.name}
            </h1>
            <div className="project-meta">
              <span className="mono" data-testid="project-dir">
                {project.dir}
              </span>
              <span>created {fmtDate(project.createdAt)}</span>
              <span>schema v{project.schemaVersion}</span>
            </div>
          </div>
          <div className="toolbar">
            <button type="button" className="button" onClick={() => runCommand('data.import')}>
              Import…
            </button>
            <button type="button" className="button" data-testid="home-agreement" onClick={() => runCommand('view.agreement')}>
              Agreement
            </button>
            <button type="button" className="button" data-testid="close-project" onClick={() => runCommand('project.close')}>
              Close project
            </button>
          </div>
        </section>

        <section className="panel">
          <h2 className="panel-title">
            Datasets
            {info && (
              <span className="panel-count">
                {datasets.length} · {fmtInt(frames)} frames
              </span>
            )}
          </h2>
          {!info ? (
            <p className="empty">Loading…</p>
          ) : datasets.length ? (
            <DatasetTable datasets={datasets} work={work} />
          ) : (
            <div className="empty" data-testid="datasets-empty">
              <p>
                <strong>No datasets yet.</strong> Import a dataset: <em>File → Import…</em> or <code>affect-workbench import …</code> on the
                command line.
              </p>
              <p className="muted">Frames may carry labels for one task or two (AU, expression, valence/arousal); the teacher learns from partial labels.</p>
            </div>
          )}
        </section>

        <section className="panel">
          <h2 className="panel-title">
            Models {info && <span className="panel-count">{models.length}</span>}
          </h2>
          {!info ? null : models.length ? (
            <ModelTable models={models} />
          ) : (
            <div className="empty" data-testid="models-empty">
              <p>
                <strong>No models yet.</strong> {datasets.length ? 'Train a teacher: Training → Train teacher….' : 'Import a dataset first, then train a teacher: Training → Train teacher….'}
              </p>
            </div>
          )}
        </section>

        {datasets.length > 0 && (
          <section className="panel" data-testid="annotators-panel">
            <h2 className="panel-title">Annotators</h2>
            <AnnotatorPolicy />
          </section>
        )}
      </div>

      <section className="panel">
        <h2 className="panel-title">Recent projects</h2>
        <RecentList />
      </section>
    </div>
  );
}

export function HomeScreen() {
  const booted = useApp((s) => s.booted);
  const hasProject = useApp((s) => s.project !== null);
  if (!booted) return <p className="empty">Connecting to the backend…</p>;
  return hasProject ? <ProjectOverview /> : <Welcome />;
}
