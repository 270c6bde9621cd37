// The native application menu, built from the shared menu spec. Every item sends its command id to
// the renderer, which runs it exactly as its own menu bar does in browser mode.
import { Menu, type MenuItemConstructorOptions } from 'electron';
import { APP_MENU } from '../shared/menu';

export interface MenuHost {
  command(id: string): void;
}

export function buildMenu(host: MenuHost, opts: { development: boolean }): void {
  const template: MenuItemConstructorOptions[] = APP_MENU.map((m) => ({
    label: m.label,
    submenu: m.items.map((item): MenuItemConstructorOptions =>
      item === 'separator'
        ? { type: 'separator' }
        : { label: item.label, accelerator: item.accelerator, click: () => host.command(item.command) },
    ),
  }));
  if (process.platform === 'darwin') template.unshift({ role: 'appMenu' });
  // Reload and DevTools only in development builds (the packaged app's window has devTools: false too).
  if (opts.development) template.push({ label: 'Developer', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }] });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
