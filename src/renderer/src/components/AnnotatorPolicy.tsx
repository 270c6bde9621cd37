// The project's annotators and its merge policy (issue 15), on the project screen: who has a layer
// (labels per task, role), and which policy turns their layers into the one label training and export
// use — consensus (adjudicated > majority vote > mean; a tie leaves the imported label in force and
// queues the frame for adjudication), latest, or one annotator's layer. Changing it calls
// annotators.policy, which re-materialises every resolved label in one transaction.
import { useEffect, useState } from 'react';
import type { Output } from '../../../shared/contract';
import { call } from '../api';
import { fmtInt } from '../format';
import { refreshInfo } from '../session';
import { reportError, useApp } from '../store';

const DESCRIBE: Record<string, string> = {
  consensus: 'consensus: adjudicated > majority vote (AU per AU, expression) > mean (valence, arousal)',
  latest: 'latest: adjudicated > the most recently changed annotator',
};

function describe(p: string): string {
  return DESCRIBE[p] ?? (p.startsWith('annotator:') ? `only ${p.slice('annotator:'.length)}'s labels (no adjudication)` : p);
}

export function AnnotatorPolicy() {
  const info = useApp((s) => s.info);
  const [list, setList] = useState<Output<'annotators.list'> | null>(null);
  const [policy, setPolicy] = useState<Output<'annotators.policy'> | null>(null);
  const [choice, setChoice] = useState('');
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    Promise.all([call('annotators.list', {}), call('annotators.policy', {})]).then(([l, p]) => {
      if (!live) return;
      setList(l);
      setPolicy(p);
      setChoice(p.policy);
    }, reportError);
    return () => {
      live = false;
    };
  }, [info]);
  if (!list || !policy) return <p className="empty">Loading…</p>;
  const apply = async () => {
    try {
      const p = await call('annotators.policy', { set: choice });
      setPolicy(p);
      setNote(`Policy ${p.policy}: ${fmtInt(p.resolved)} resolved labels`);
      void refreshInfo();
    } catch (e) {
      reportError(e);
    }
  };
  return (
    <div data-testid="annotator-policy">
      {list.annotators.length ? (
        <table className="table" data-testid="annotator-list">
          <thead>
            <tr>
              <th>Annotator</th>
              <th>Role</th>
              <th className="num">AU</th>
              <th className="num">EXPR</th>
              <th className="num">VA</th>
            </tr>
          </thead>
          <tbody>
            {list.annotators.map((a) => (
              <tr key={`${a.role}:${a.name}`}>
                <td>{a.name}</td>
                <td>{a.role}</td>
                <td className="num">{fmtInt(a.labels.au)}</td>
                <td className="num">{fmtInt(a.labels.expr)}</td>
                <td className="num">{fmtInt(a.labels.va)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No annotator has labelled anything yet.</p>
      )}
      <div className="toolbar" style={{ marginTop: 8, gap: 8, alignItems: 'center' }}>
        <label htmlFor="annotator-policy-select">Merge policy</label>
        <select id="annotator-policy-select" data-testid="annotator-policy-select" value={choice} onChange={(e) => setChoice(e.target.value)}>
          {policy.choices.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <button type="button" className="button" data-testid="annotator-policy-apply" disabled={choice === policy.policy} onClick={() => void apply()}>
          Apply
        </button>
      </div>
      <p className="muted" data-testid="annotator-policy-shown">
        In force: {describe(policy.policy)}. Tie rule: {policy.tieRule}.
      </p>
      {note && (
        <p className="muted" role="status">
          {note}
        </p>
      )}
    </div>
  );
}
