// The correction panel: set or clear each AU, pick the expression, drag valence/arousal on the
// circumplex, accept the model's labels, clear or revert, mark no face / unusable — for the frame
// on screen or the selected range — and the provenance of this frame's labels (who, when, what it
// was before). Every control is one named action (src/renderer/src/review/edit-actions.ts).
import { AU_NAMES, EXPRESSIONS, TASKS } from '../../../shared/labels';
import type { HistoryEntry, WindowFrame } from '../../../shared/review-contract';
import { argmax } from '../../../shared/review-criteria';
import { Circumplex } from './Circumplex';
import { useReview, type ReviewController } from './controller';
import { acceptModel, clearLabels, revertLabels, setAu, setExpr, setVa, toggleAu, toggleFace } from './edit-actions';
import { describeChange, importedLabels, type Imported } from './history-text';
import { TracePanel } from './TracePanel';

const PROV_NAME: Record<string, string> = { imported: 'ground truth', human: 'corrected', accepted: 'accepted model' };

function HistoryLine({ h, imported }: { h: HistoryEntry; imported: Imported | null }) {
  const { what, was } = describeChange(h, imported);
  return (
    <span className="rv-hist-what">
      <b>{what}</b> <span className="rv-muted">· was {was}</span>
    </span>
  );
}

function History({ entries, imported }: { entries: HistoryEntry[]; imported: Imported | null }) {
  if (!entries.length) return <p className="rv-muted">No edits on this frame yet.</p>;
  return (
    <ul className="rv-history" data-testid="frame-history">
      {entries.slice(0, 6).map((h) => (
        <li key={`${h.actionId}:${h.task}`} className={h.undone ? 'undone' : ''}>
          <span className="rv-hist-task">{h.task.toUpperCase()}</span>
          <HistoryLine h={h} imported={imported} />
          <span className="rv-hist-who">
            {h.author ?? '?'} · {new Date(h.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
            {h.undone ? ' · undone' : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function CorrectionPanel({ c, data }: { c: ReviewController; data: WindowFrame | undefined }) {
  const frame = useReview(c, (s) => s.frame);
  const selection = useReview(c, (s) => s.selection);
  const history = useReview(c, (s) => s.history);
  const modelId = useReview(c, (s) => s.modelId);
  const m = data?.m ?? null;
  const thr = c.cache.thresholds ?? Array(8).fill(0.5);
  const scope = selection ? `Frames ${selection.from}–${selection.to}` : `Frame ${frame}`;
  const va = data?.va && data.va.v !== null && data.va.a !== null ? { v: data.va.v, a: data.va.a, p: data.va.p } : null;
  return (
    <aside className="rv-panel" data-testid="correction-panel">
      <div className="rv-panel-head">
        <span className="rv-panel-scope" data-testid="edit-scope">
          {scope}
          {selection && <span className="rv-muted"> · {selection.to - selection.from + 1} frames</span>}
        </span>
        {selection && (
          <button className="rv-link" onClick={() => c.setSelection(null)}>
            clear selection
          </button>
        )}
      </div>

      <h3 className="rv-h">
        Action units <span className="rv-keyhint">1–8 toggle · Alt+click unlabel</span>
      </h3>
      <div className="rv-au-grid">
        {AU_NAMES.map((name, k) => {
          const l = data?.au?.v?.[k] ?? -1;
          const p = m?.au[k];
          const dis = p !== undefined && l >= 0 && (p >= thr[k] ? 1 : 0) !== l;
          return (
            <button
              key={name}
              className={`rv-au${l === 1 ? ' on' : l === 0 ? ' off' : ''}${dis ? ' disagree' : ''} prov-${l < 0 ? 'none' : data!.au!.p}`}
              data-testid={`au-${name}`}
              data-value={l}
              title={`${name}: ${l < 0 ? 'unlabelled' : l ? 'present' : 'absent'}${l >= 0 ? ` (${PROV_NAME[data!.au!.p]})` : ''} · model ${p === undefined ? '–' : p.toFixed(2)} / threshold ${thr[k].toFixed(2)}`}
              onClick={(e) => void c.edit(e.altKey ? setAu(k, null) : toggleAu(k, data))}
            >
              <kbd>{k + 1}</kbd>
              <span className="rv-au-name">{name}</span>
              <span className="rv-au-val">{l < 0 ? '·' : l}</span>
              {p !== undefined && <span className="rv-au-p" style={{ width: `${p * 100}%` }} />}
            </button>
          );
        })}
      </div>

      <h3 className="rv-h">
        Expression <span className="rv-keyhint">Shift+1–7</span>
      </h3>
      <div className="rv-expr-grid">
        {EXPRESSIONS.map((name, cl) => {
          const active = data?.expr?.v === cl;
          return (
            <button
              key={name}
              className={`rv-expr expr-${cl}${active ? ` active prov-${data!.expr!.p}` : ''}${m && argmax(m.expr) === cl ? ' model-top' : ''}`}
              data-testid={`expr-${name}`}
              aria-pressed={active}
              title={`${name} (Shift+${cl + 1})`}
              onClick={() => void c.edit(setExpr(cl))}
            >
              {name}
            </button>
          );
        })}
      </div>

      <h3 className="rv-h">
        Valence / arousal <span className="rv-keyhint">drag · A/D · S/W</span>
      </h3>
      <div className="rv-va-edit">
        <Circumplex size={132} label={va} gt={data?.gt?.va ?? null} model={m} onSet={(v, a) => void c.edit(setVa(v, a))} testId="va-editor" />
        <dl className="rv-va-read">
          <dt>Label</dt>
          <dd data-testid="va-label">{va ? `${va.v.toFixed(2)}, ${va.a.toFixed(2)}` : '–'}</dd>
          <dt>From</dt>
          <dd>{va ? PROV_NAME[va.p] : data?.va ? 'cleared' : '–'}</dd>
          <dt>Model</dt>
          <dd>{m ? `${m.v.toFixed(2)}, ${m.a.toFixed(2)}` : '–'}</dd>
          <dt>Face</dt>
          <dd data-testid="face-state">{data?.face ?? '–'}</dd>
        </dl>
      </div>

      <TracePanel c={c} data={data} />

      <div className="rv-actions">
        <button className="button small" data-testid="accept-model" disabled={modelId === null} onClick={() => void c.edit(acceptModel([...TASKS], modelId))}>
          Accept model <kbd>M</kbd>
        </button>
        <button className="button small" data-testid="clear-labels" onClick={() => void c.edit(clearLabels([...TASKS]))}>
          Clear <kbd>Del</kbd>
        </button>
        <button className="button small" onClick={() => void c.edit(revertLabels([...TASKS]))}>
          Revert <kbd>R</kbd>
        </button>
        <button className="button small" data-testid="mark-no-face" onClick={() => void c.edit(toggleFace('none', data))}>
          No face <kbd>N</kbd>
        </button>
        <button className="button small" onClick={() => void c.edit(toggleFace('unusable', data))}>
          Unusable <kbd>U</kbd>
        </button>
      </div>

      <h3 className="rv-h">Provenance</h3>
      <History entries={history} imported={importedLabels(data)} />
    </aside>
  );
}
