// The shortcut overlay (?): drawn from the same table that binds the keys.
import { SHORTCUTS, type Shortcut } from './shortcuts';

const GROUPS: Shortcut['group'][] = ['Playback', 'Labels', 'Selection & timeline', 'Finding work'];

export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  return (
    <div className="rv-help-backdrop" onClick={onClose}>
      <div className="rv-help" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcut-help" onClick={(e) => e.stopPropagation()}>
        <div className="rv-help-head">
          <h2>Keyboard shortcuts</h2>
          <button className="icon-button" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        <div className="rv-help-cols">
          {GROUPS.map((g) => (
            <section key={g}>
              <h3>{g}</h3>
              <dl>
                {SHORTCUTS.filter((s) => s.group === g).map((s) => (
                  <div key={s.keys} className="rv-help-row">
                    <dt>
                      {s.keys.split(/\s{2,}/).map((k) => (
                        <kbd key={k}>{k}</kbd>
                      ))}
                    </dt>
                    <dd>{s.label}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
        <p className="rv-help-foot">
          Edits apply to the selected range when there is one, else to the frame on screen. Every edit is saved at once and can be undone.
        </p>
      </div>
    </div>
  );
}
