// The model overlay on the picture: for the frame on screen, the selected model's 8 AU
// probabilities against their thresholds, its 7-expression distribution and its valence/arousal
// point with the two bin distributions — each beside the label in force (ground truth, correction
// or accepted model label), disagreements in red. Display only; corrections happen in the panel.
import { AU_NAMES, EXPRESSIONS } from '../../../shared/labels';
import type { WindowFrame } from '../../../shared/review-contract';
import { argmax, auDisagreements, exprDisagrees, vaDisagrees } from '../../../shared/review-criteria';
import { Circumplex } from './Circumplex';

const pct = (p: number) => `${Math.round(p * 100)}`;

function LabelChip({ value, prov }: { value: string; prov: string | null }) {
  return <span className={`rv-chip${prov ? ` prov-${prov}` : ' none'}`}>{value}</span>;
}

export function VideoOverlay({ data, thresholds, modelName }: { data: WindowFrame | undefined; thresholds: number[] | null; modelName: string | null }) {
  if (!data) return <div className="rv-hud rv-hud-loading">loading labels…</div>;
  const m = data.m;
  const thr = thresholds ?? Array(8).fill(0.5);
  const auLabel = data.au?.v ?? null;
  const auDis = m && auLabel ? auDisagreements(m.au, thr, auLabel) : Array(8).fill(false);
  const exprLabel = data.expr?.v ?? null;
  const exprTop = m ? argmax(m.expr) : -1;
  const exprDis = m !== null && exprLabel !== null && exprDisagrees(m.expr, exprLabel);
  const va = data.va && data.va.v !== null && data.va.a !== null ? { v: data.va.v, a: data.va.a, p: data.va.p } : null;
  const vaDis = m !== null && va !== null && vaDisagrees(m.v, m.a, va.v, va.a);
  return (
    <>
      <div className="rv-hud rv-hud-left" data-testid="overlay-au">
        <div className="rv-hud-title">
          Action units <span>{modelName ?? 'no model output'}</span>
        </div>
        {AU_NAMES.map((name, k) => {
          const p = m?.au[k];
          const l = auLabel?.[k] ?? -1;
          return (
            <div key={name} className={`rv-hud-row${auDis[k] ? ' disagree' : ''}`} data-testid={`overlay-${name}`} data-disagree={auDis[k]}>
              <span className="rv-hud-name">{name}</span>
              <span className="rv-bar">
                {p !== undefined && <span className={`rv-bar-fill${p >= thr[k] ? ' on' : ''}`} style={{ width: `${p * 100}%` }} />}
                <span className="rv-bar-thr" style={{ left: `${thr[k] * 100}%` }} title={`threshold ${thr[k].toFixed(3)}`} />
              </span>
              <span className="rv-hud-num">{p === undefined ? '–' : pct(p)}</span>
              <LabelChip value={l < 0 ? '·' : String(l)} prov={l < 0 ? null : data.au!.p} />
            </div>
          );
        })}
        {data.face !== 'unknown' && data.face !== 'ok' && <div className="rv-hud-face">{data.face === 'none' ? 'NO FACE' : 'UNUSABLE'}</div>}
      </div>
      <div className="rv-hud rv-hud-right" data-testid="overlay-expr">
        <div className="rv-hud-title">
          Expression {exprDis && <span className="rv-dis-flag">disagrees</span>}
        </div>
        {EXPRESSIONS.map((name, c) => {
          const p = m?.expr[c];
          const isLabel = exprLabel === c;
          return (
            <div key={name} className={`rv-hud-row${isLabel && exprDis ? ' disagree' : ''}${c === exprTop ? ' top' : ''}`}>
              <span className="rv-hud-name wide">{name}</span>
              <span className="rv-bar">{p !== undefined && <span className={`rv-bar-fill expr-${c}`} style={{ width: `${p * 100}%` }} />}</span>
              <span className="rv-hud-num">{p === undefined ? '–' : pct(p)}</span>
              {isLabel ? <LabelChip value="✓" prov={data.expr!.p} /> : <span className="rv-chip blank" />}
            </div>
          );
        })}
        <div className="rv-hud-title">
          Valence / arousal {vaDis && <span className="rv-dis-flag">disagrees</span>}
        </div>
        <div className="rv-hud-va">
          <Circumplex size={112} label={va} gt={data.gt?.va ?? null} model={m} disagree={vaDis} testId="overlay-circumplex" />
          <div className="rv-hud-va-nums">
            <div>
              <b>label</b> {va ? `${va.v.toFixed(2)}, ${va.a.toFixed(2)}` : '–'}
            </div>
            <div>
              <b>model</b> {m ? `${m.v.toFixed(2)}, ${m.a.toFixed(2)}` : '–'}
            </div>
          </div>
        </div>
      </div>
    </>
  );
}
