// Electron accelerator strings ("CmdOrCtrl+Shift+N", "F1") for the in-app menu bar: shown next to
// each item and bound to keydown in browser mode. In Electron the native menu owns the keys and
// sends `menu.command`, so the renderer must not bind them a second time.

export interface Accelerator {
  ctrl: boolean;
  meta: boolean;
  shift: boolean;
  alt: boolean;
  /** Upper-case letter, digit, or a named key such as "F1", "Escape". */
  key: string;
}

export const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** Parses Electron's accelerator syntax; CmdOrCtrl is Cmd on macOS and Ctrl elsewhere. */
export function parseAccelerator(spec: string, mac = IS_MAC): Accelerator {
  const acc: Accelerator = { ctrl: false, meta: false, shift: false, alt: false, key: '' };
  for (const raw of spec.split('+')) {
    const part = raw.trim().toLowerCase();
    if (part === 'cmdorctrl' || part === 'commandorcontrol') {
      if (mac) acc.meta = true;
      else acc.ctrl = true;
    } else if (part === 'ctrl' || part === 'control') acc.ctrl = true;
    else if (part === 'cmd' || part === 'command' || part === 'super' || part === 'meta') acc.meta = true;
    else if (part === 'shift') acc.shift = true;
    else if (part === 'alt' || part === 'option') acc.alt = true;
    else acc.key = raw.trim().length === 1 ? raw.trim().toUpperCase() : raw.trim();
  }
  if (!acc.key) throw new Error(`Accelerator without a key: ${spec}`);
  return acc;
}

/** How the accelerator is written in a menu: "Ctrl+Shift+N" (Linux/Windows) or "⇧⌘N" (macOS). */
export function formatAccelerator(spec: string, mac = IS_MAC): string {
  const a = parseAccelerator(spec, mac);
  if (mac) return `${a.ctrl ? '⌃' : ''}${a.alt ? '⌥' : ''}${a.shift ? '⇧' : ''}${a.meta ? '⌘' : ''}${a.key}`;
  return [a.ctrl && 'Ctrl', a.meta && 'Super', a.alt && 'Alt', a.shift && 'Shift', a.key].filter(Boolean).join('+');
}

export interface KeyLike {
  key: string;
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** Whether a keydown is exactly this accelerator (modifiers must match, not merely be included). */
export function matchesAccelerator(e: KeyLike, a: Accelerator): boolean {
  if (e.ctrlKey !== a.ctrl || e.metaKey !== a.meta || e.shiftKey !== a.shift || e.altKey !== a.alt) return false;
  if (/^[A-Z]$/.test(a.key)) return e.code === `Key${a.key}` || e.key.toUpperCase() === a.key;
  if (/^[0-9]$/.test(a.key)) return e.code === `Digit${a.key}` || e.key === a.key;
  return e.key.toLowerCase() === a.key.toLowerCase();
}
