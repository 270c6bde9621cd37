// The application menu, defined once. Electron builds its native menu from this; the renderer draws
// the same menu bar in browser mode. Both dispatch the command ids to the renderer's command table,
// which calls the contract — so a menu item does the same thing wherever it was chosen.

export interface MenuItemSpec {
  command: string;
  label: string;
  /** Electron accelerator syntax; the renderer shows it and binds it. */
  accelerator?: string;
}
export type MenuEntry = MenuItemSpec | 'separator';
export interface MenuSpec {
  label: string;
  items: MenuEntry[];
}

export const APP_MENU: MenuSpec[] = [
  {
    label: 'File',
    items: [
      { command: 'project.new', label: 'New project…', accelerator: 'CmdOrCtrl+Shift+N' },
      { command: 'project.open', label: 'Open project…', accelerator: 'CmdOrCtrl+O' },
      'separator',
      { command: 'data.import', label: 'Import…', accelerator: 'CmdOrCtrl+I' },
      { command: 'data.export', label: 'Export…', accelerator: 'CmdOrCtrl+E' },
      'separator',
      { command: 'annotator.change', label: 'Annotator name…' },
      'separator',
      { command: 'project.close', label: 'Close project' },
    ],
  },
  {
    label: 'Training',
    items: [
      { command: 'train.teacher', label: 'Train teacher…' },
      { command: 'train.softLabels', label: 'Generate soft labels…' },
      { command: 'train.students', label: 'Train students…' },
      { command: 'train.evaluate', label: 'Evaluate…' },
      'separator',
      { command: 'jobs.probe', label: 'Check compute backend' },
    ],
  },
  {
    label: 'View',
    items: [
      { command: 'view.home', label: 'Project', accelerator: 'CmdOrCtrl+1' },
      { command: 'view.review', label: 'Review', accelerator: 'CmdOrCtrl+2' },
      { command: 'view.training', label: 'Training', accelerator: 'CmdOrCtrl+3' },
      { command: 'view.agreement', label: 'Agreement', accelerator: 'CmdOrCtrl+4' },
    ],
  },
  {
    label: 'Help',
    items: [
      { command: 'help.shortcuts', label: 'Keyboard shortcuts', accelerator: 'F1' },
      { command: 'help.about', label: 'About Affect Workbench' },
    ],
  },
];

export const MENU_COMMANDS: string[] = APP_MENU.flatMap((m) =>
  m.items.filter((i): i is MenuItemSpec => i !== 'separator').map((i) => i.command),
);
