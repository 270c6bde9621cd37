// The in-app menu bar, drawn from the shared APP_MENU spec (the same one Electron builds its native
// menu from). Click or hover to open, arrows to move, Enter to choose, Escape to close. Items run
// through the command table; in browser mode their accelerators are bound here as well.
import { useEffect, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from 'react';
import { APP_MENU, type MenuItemSpec } from '../../../shared/menu';
import { formatAccelerator, matchesAccelerator, parseAccelerator } from '../accelerators';
import { isEnabled, runCommand } from '../commands';
import { useApp } from '../store';

const itemsOf = (i: number): MenuItemSpec[] => APP_MENU[i].items.filter((x): x is MenuItemSpec => x !== 'separator');

/** Binds every accelerator of APP_MENU on the window (browser mode only). */
export function useAccelerators(active: boolean): void {
  const bindings = useMemo(
    () => APP_MENU.flatMap((m) => m.items.filter((x): x is MenuItemSpec => x !== 'separator' && !!x.accelerator)).map((i) => ({ id: i.command, acc: parseAccelerator(i.accelerator!) })),
    [],
  );
  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      const hit = bindings.find((b) => matchesAccelerator(e, b.acc));
      if (!hit) return;
      e.preventDefault();
      e.stopPropagation();
      runCommand(hit.id);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [active, bindings]);
}

export function MenuBar({ right }: { right?: ReactNode }) {
  const [open, setOpen] = useState<number | null>(null);
  const [focus, setFocus] = useState(0);
  const barRef = useRef<HTMLDivElement>(null);
  // Re-render on state changes so enabled/disabled items are current.
  const state = useApp((s) => s);

  useEffect(() => {
    if (open === null) return;
    const onDown = (e: MouseEvent) => {
      if (!barRef.current?.contains(e.target as Node)) setOpen(null);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  useEffect(() => {
    if (open === null) return;
    barRef.current?.querySelector<HTMLElement>(`[data-menu-index="${open}"] [data-item-index="${focus}"]`)?.focus();
  }, [open, focus]);

  const choose = (id: string) => {
    if (!isEnabled(id, state)) return;
    setOpen(null);
    runCommand(id);
  };

  const openMenu = (i: number) => {
    setOpen(i);
    setFocus(0);
  };

  const onKeyDown = (e: ReactKeyboardEvent) => {
    if (open === null) return;
    const items = itemsOf(open);
    const n = APP_MENU.length;
    if (e.key === 'Escape') setOpen(null);
    else if (e.key === 'ArrowDown') setFocus((f) => (f + 1) % items.length);
    else if (e.key === 'ArrowUp') setFocus((f) => (f - 1 + items.length) % items.length);
    else if (e.key === 'ArrowRight') openMenu((open + 1) % n);
    else if (e.key === 'ArrowLeft') openMenu((open - 1 + n) % n);
    else if (e.key === 'Enter' || e.key === ' ') choose(items[focus].command);
    else return;
    e.preventDefault();
  };

  return (
    <div className="menubar" ref={barRef} role="menubar" onKeyDown={onKeyDown} data-testid="menubar">
      <span className="brand" aria-hidden>
        <span className="brand-mark">AW</span>
        Affect Workbench
      </span>
      {APP_MENU.map((menu, mi) => {
        let itemIndex = -1;
        return (
          <div className="menu" key={menu.label} data-menu-index={mi}>
            <button
              type="button"
              className={`menu-title${open === mi ? ' open' : ''}`}
              data-testid={`menu-${menu.label}`}
              aria-haspopup="menu"
              aria-expanded={open === mi}
              onMouseDown={(e) => {
                e.preventDefault();
                if (open === mi) setOpen(null);
                else openMenu(mi);
              }}
              onMouseEnter={() => open !== null && open !== mi && openMenu(mi)}
            >
              {menu.label}
            </button>
            {open === mi && (
              <div className="menu-dropdown" role="menu" data-testid={`menu-dropdown-${menu.label}`}>
                {menu.items.map((item, k) => {
                  if (item === 'separator') return <div className="menu-separator" role="separator" key={`sep${k}`} />;
                  const idx = ++itemIndex;
                  const enabled = isEnabled(item.command, state);
                  return (
                    <button
                      type="button"
                      role="menuitem"
                      key={item.command}
                      className="menu-item"
                      data-item-index={idx}
                      data-testid={`menu-item-${item.command}`}
                      aria-disabled={!enabled}
                      tabIndex={-1}
                      onMouseEnter={() => setFocus(idx)}
                      onClick={() => choose(item.command)}
                    >
                      <span>{item.label}</span>
                      <kbd>{item.accelerator ? formatAccelerator(item.accelerator) : ''}</kbd>
                    </button>
                  );
                })}
              </div>
            )}
          </div>
        );
      })}
      <div className="menubar-right">{right}</div>
    </div>
  );
}
