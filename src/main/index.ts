// Electron main process: window, application menu, dialogs, IPC binding, media protocol. Thin on
// purpose: everything else is the plain-Node Backend, tested under Node and in Chromium.
import { app, BrowserWindow, dialog, ipcMain, session, shell } from 'electron';
import path from 'node:path';
import { dispatch } from '../shared/dispatch';
import { Backend } from '../node/backend';
import { CSP } from '../node/server/server';
import { buildMenu } from './menu';
import { registerMediaProtocol, registerMediaScheme } from './protocol';
import { utilityLauncher } from './launcher';

registerMediaScheme();

let win: BrowserWindow | null = null;
const backend = new Backend({
  transport: 'ipc',
  launcher: utilityLauncher(path.join(__dirname, 'worker.js')),
  chooseFolder: async (title) => {
    const r = await dialog.showOpenDialog(win!, { title, properties: ['openDirectory', 'createDirectory'] });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  },
});

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'Affect Workbench',
    webPreferences: {
      preload: path.join(__dirname, '../preload/index.mjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  // No navigation away from the app, no new windows; external links open in the system browser.
  w.webContents.on('will-navigate', (e) => e.preventDefault());
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https:')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (process.env.ELECTRON_RENDERER_URL) void w.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void w.loadFile(path.join(__dirname, '../renderer/index.html'));
  return w;
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP.replace("media-src 'self'", "media-src 'self' aw-media:")] } });
  });
  registerMediaProtocol(() => backend.currentProject);

  ipcMain.handle('aw:call', (e, method: unknown, payload: unknown) => {
    if (e.sender !== win?.webContents) return { ok: false, error: { code: 'forbidden', message: 'Unknown sender' } };
    return dispatch(backend.handlers, String(method), payload);
  });
  backend.subscribe((msg) => win?.webContents.send('aw:event', msg));

  win = createWindow();
  buildMenu({ command: (command) => backend.emit('menu.command', { command }) });
});

app.on('window-all-closed', () => {
  void backend.close().then(() => app.quit());
});
