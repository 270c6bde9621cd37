// The model overlay of the picture: for the frame on screen, the selected model's 8 AU
// probabilities (%) against their thresholds, its 7-expression distribution (%) and its
// valence/arousal point (−1 … 1) with the two bin distributions — each beside the label in force
// (ground truth, correction or accepted model label), disagreements in red, and a legend that says
// what the bars, ticks and chips mean. Display only; corrections happen in the panel.
//
// Where it sits (pane-layout.ts OverlayPlace, remembered per user): docked, a column at the right of
// the picture area that the video is laid out beside, never under; or floating, translucent, dragged
// by its title bar anywhere inside the picture area (clamped there when the area shrinks, so it never
// covers the control bar or the speed menu below it). Collapsed, only the title bar shows.
import { useRef, useState } from 'react';
import { AU_NAMES, EXPRESSIONS } from '../../../shared/labels';
import type { WindowFrame } from '../../../shared/review-contract';
import { argmax, auDisagreements, exprDisagrees, vaDisagrees, type ReviewCriteria } from '../../../shared/review-criteria';
import { Circumplex } from './Circumplex';
import { setOverlay } from './layout-prefs';
import { DOCK_WIDTH, overlayFractions, placeOverlay, type OverlayPlace } from './pane-layout';
import { useElementSize } from './use-size';

const pct = (p: number) => `${Math.round(p * 100)}%`;
/** Arrow-key move of a floating overlay, as a fraction of the free space (Shift: 4 times). */
const KEY_MOVE = 0.05;

function LabelChip({ value, prov }: { value: string; prov: string | null }) {
  return <span className={`rv-chip${prov ? ` prov-${prov}` : ' none'}`}>{value}</span>;
}

/** The overlay's numbers for one frame. */
function HudBody({ data, thresholds, criteria }: { data: WindowFrame | undefined; thresholds: number[] | null; criteria: ReviewCriteria }) {
  if (!data) return <div className="rv-hud-loading">loading labels…</div>;
  const m = data.m;
  const thr = thresholds ?? Array(8).fill(0.5);
  const auLabel = data.au?.v ?? null;
  const auDis = m && auLabel ? auDisagreements(m.au, thr, auLabel, criteria) : Array(8).fill(false);
  const exprLabel = data.expr?.v ?? null;
  const exprTop = m ? argmax(m.expr) : -1;
  const exprDis = m !== null && exprLabel !== null && exprDisagrees(m.expr, exprLabel, criteria);
  const va = data.va && data.va.v !== null && data.va.a !== null ? { v: data.va.v, a: data.va.a, p: data.va.p } : null;
  const vaDis = m !== null && va !== null && vaDisagrees(m.v, m.a, va.v, va.a, criteria);
  return (
    <>
      <section className="rv-hud-sec" data-testid="overlay-au">
        <div className="rv-hud-title">
          Action units <span className="rv-hud-unit">model, %</span>
        </div>
        {AU_NAMES.map((name, k) => {
          const p = m?.au[k];
          const l = auLabel?.[k] ?? -1;
          return (
            <div key={name} className={`rv-hud-row${auDis[k] ? ' disagree' : ''}`} data-testid={`overlay-${name}`} data-disagree={auDis[k]}>
              <span className="rv-hud-name">{name}</span>
              <span className="rv-bar">
                {p !== undefined && <span className={`rv-bar-fill${p >= thr[k] ? ' on' : ''}`} style={{ width: `${p * 100}%` }} />}
                <span className="rv-bar-thr" style={{ left: `${thr[k] * 100}%` }} title={`${name} threshold ${pct(thr[k])}: present at or above it`} />
              </span>
              <span className="rv-hud-num">{p === undefined ? '–' : pct(p)}</span>
              <LabelChip value={l < 0 ? '·' : String(l)} prov={l < 0 ? null : data.au!.p} />
            </div>
          );
        })}
        <div className="rv-hud-legend" data-testid="overlay-legend">
          <span>
            <i className="lg-bar" /> model probability, %
          </span>
          <span>
            <i className="lg-thr" /> threshold: present at or above it
          </span>
          <span>
            <i className="rv-chip prov-imported">1</i>
            <i className="rv-chip prov-human">0</i>
            <i className="rv-chip none">·</i> label: present, absent, none
          </span>
        </div>
        {data.face !== 'unknown' && data.face !== 'ok' && <div className="rv-hud-face">{data.face === 'none' ? 'NO FACE' : 'UNUSABLE'}</div>}
      </section>
      <section className="rv-hud-sec" data-testid="overlay-expr">
        <div className="rv-hud-title">
          Expression
          <span>
            {exprDis && <span className="rv-dis-flag">disagrees </span>}
            <span className="rv-hud-unit">model, %</span>
          </span>
        </div>
        {EXPRESSIONS.map((name, c) => {
          const p = m?.expr[c];
          const isLabel = exprLabel === c;
          return (
            <div key={name} className={`rv-hud-row expr${isLabel && exprDis ? ' disagree' : ''}${c === exprTop ? ' top' : ''}`}>
              <span className="rv-hud-name">{name}</span>
              <span className="rv-bar">{p !== undefined && <span className={`rv-bar-fill expr-${c}`} style={{ width: `${p * 100}%` }} />}</span>
              <span className="rv-hud-num">{p === undefined ? '–' : pct(p)}</span>
              {isLabel ? <LabelChip value="✓" prov={data.expr!.p} /> : <span className="rv-chip blank" />}
            </div>
          );
        })}
      </section>
      <section className="rv-hud-sec">
        <div className="rv-hud-title">
          Valence, arousal
          <span>
            {vaDis && <span className="rv-dis-flag">disagrees </span>}
            <span className="rv-hud-unit">−1…1</span>
          </span>
        </div>
        <div className="rv-hud-va">
          <Circumplex size={92} label={va} gt={data.gt?.va ?? null} model={m} disagree={vaDis} testId="overlay-circumplex" />
          <div className="rv-hud-va-nums">
            <div>
              <b>label</b> {va ? `${va.v.toFixed(2)}, ${va.a.toFixed(2)}` : '–'}
            </div>
            <div>
              <b>model</b> {m ? `${m.v.toFixed(2)}, ${m.a.toFixed(2)}` : '–'}
            </div>
          </div>
        </div>
      </section>
    </>
  );
}

export function VideoOverlay({
  data,
  thresholds,
  criteria,
  modelName,
  place,
}: {
  data: WindowFrame | undefined;
  thresholds: number[] | null;
  /** The queue's limits in force (the overlay marks what the queue and the timeline mark). */
  criteria: ReviewCriteria;
  modelName: string | null;
  place: OverlayPlace;
}) {
  const [el, setEl] = useState<HTMLDivElement | null>(null);
  // The picture area it lives in (the player's stage) and its own size: a floating overlay is
  // placed by fractions of the space left, so it stays inside however either changes.
  const area = useElementSize(el?.parentElement ?? null);
  const box = useElementSize(el);
  const drag = useRef<{ dx: number; dy: number; moved: boolean } | null>(null);
  const [dragAt, setDragAt] = useState<{ left: number; top: number } | null>(null);
  // while dragged out of the dock it already has its floating size
  const floating = !place.docked || dragAt !== null;
  const pos = dragAt ?? (floating ? placeOverlay(area, box, place) : null);

  /** A top-left corner in the stage, clamped into it, and its fractions (measured now: sizes change as it leaves the dock). */
  const clampInto = (left: number, top: number) => {
    const stage = el!.parentElement!;
    const a = { width: stage.clientWidth, height: stage.clientHeight };
    const b = { width: el!.offsetWidth, height: el!.offsetHeight };
    const f = overlayFractions(a, b, left, top);
    return { f, at: placeOverlay(a, b, f) };
  };
  return (
    <div
      ref={setEl}
      className={`rv-hud${floating ? ' floating' : ' docked'}${place.collapsed ? ' collapsed' : ''}${dragAt ? ' dragging' : ''}`}
      data-testid="overlay"
      data-docked={!floating}
      data-collapsed={place.collapsed}
      style={pos ? { left: pos.left, top: pos.top } : place.collapsed ? undefined : { width: DOCK_WIDTH }}
    >
      <div
        className="rv-hud-head"
        data-testid="overlay-handle"
        tabIndex={0}
        role="group"
        aria-label="Model overlay: drag to move it over the picture (arrow keys when it floats)"
        title="Drag to move it over the picture"
        onPointerDown={(e) => {
          if (e.button !== 0 || (e.target as HTMLElement).closest('button')) return;
          const r = e.currentTarget.parentElement!.getBoundingClientRect();
          e.currentTarget.setPointerCapture(e.pointerId);
          drag.current = { dx: e.clientX - r.left, dy: e.clientY - r.top, moved: false };
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (!d) return;
          const stage = el!.parentElement!.getBoundingClientRect();
          d.moved = true;
          setDragAt(clampInto(e.clientX - stage.left - d.dx, e.clientY - stage.top - d.dy).at);
        }}
        onPointerUp={(e) => {
          const d = drag.current;
          drag.current = null;
          setDragAt(null);
          if (!d?.moved) return;
          const stage = el!.parentElement!.getBoundingClientRect();
          // dropped: it floats there from now on (a docked one leaves the dock)
          setOverlay({ docked: false, ...clampInto(e.clientX - stage.left - d.dx, e.clientY - stage.top - d.dy).f });
        }}
        onLostPointerCapture={() => {
          drag.current = null;
          setDragAt(null);
        }}
        onKeyDown={(e) => {
          if (!floating || e.target !== e.currentTarget || e.ctrlKey || e.metaKey || e.altKey) return;
          const step = e.shiftKey ? 4 * KEY_MOVE : KEY_MOVE;
          const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[e.key];
          if (!d) return;
          e.preventDefault();
          setOverlay({ x: Math.max(0, Math.min(1, place.x + d[0])), y: Math.max(0, Math.min(1, place.y + d[1])) });
        }}
      >
        <span className="rv-hud-grip" aria-hidden>
          ⠿
        </span>
        <span className="rv-hud-model" title={modelName ?? 'no model output'}>
          Model <b>{modelName ?? 'none'}</b>
        </span>
        <button
          className="rv-hud-btn"
          data-testid="overlay-dock"
          title={place.docked ? 'Float it over the picture' : 'Dock it beside the picture'}
          aria-label={place.docked ? 'Float the overlay' : 'Dock the overlay'}
          onClick={() => setOverlay({ docked: !place.docked })}
        >
          {place.docked ? '⇱' : '⇥'}
        </button>
        <button
          className="rv-hud-btn"
          data-testid="overlay-collapse"
          aria-expanded={!place.collapsed}
          title={place.collapsed ? 'Show the model overlay' : 'Collapse the model overlay to this bar'}
          aria-label={place.collapsed ? 'Expand the overlay' : 'Collapse the overlay'}
          onClick={() => setOverlay({ collapsed: !place.collapsed })}
        >
          {place.collapsed ? '▾' : '▴'}
        </button>
      </div>
      {!place.collapsed && (
        <div className="rv-hud-body">
          <HudBody data={data} thresholds={thresholds} criteria={criteria} />
        </div>
      )}
    </div>
  );
}
