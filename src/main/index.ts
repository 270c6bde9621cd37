// Electron main process: window, application menu, dialogs, IPC binding, the app's and the media's
// protocols. Thin on purpose: everything else is the plain-Node Backend, tested under Node and in
// Chromium. Security (Electron's checklist): context isolation, sandbox, no Node in the page, a CSP,
// the page from a privileged custom scheme (not file://), every permission denied, navigation and
// new windows refused, external links only to an allow-list, IPC only from the app's own main frame,
// DevTools only in development.
import { app, BrowserWindow, dialog, ipcMain, session, shell, type IpcMainInvokeEvent } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dispatch } from '../shared/dispatch';
import { Backend } from '../node/app/backend';
import { configureRuntime } from '../node/app/runtime-paths';
import { CSP } from '../node/server/server';
import { buildMenu } from './menu';
import { registerMediaProtocol } from './protocol';
import { registerAppProtocol } from './app-protocol';
import { utilityLauncher } from './launcher';
import { registerSchemes } from './schemes';
import { APP_URL, isAllowedExternalUrl, isAppUrl, MEDIA_SCHEME, permissionAllowed } from '../shared/desktop-policy';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '..', 'renderer');
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
const development = !app.isPackaged;
/** The browser-mode CSP, plus the media scheme for <video> and image-sequence frames. */
const APP_CSP = CSP.replace("media-src 'self'", `media-src 'self' ${MEDIA_SCHEME}:`).replace("img-src 'self'", `img-src 'self' ${MEDIA_SCHEME}:`);

configureRuntime({ workerFile: path.join(here, 'worker.js'), rendererDir });
registerSchemes(); // before 'ready', as Electron requires

let win: BrowserWindow | null = null;
/** Electron 43+ opens dialogs in Downloads unless told otherwise: remember the last folder. */
let lastFolder: string | undefined;
const backend = new Backend({
  transport: 'ipc',
  launcher: utilityLauncher(path.join(here, 'worker.js')),
  chooseFolder: async (title) => {
    const r = await dialog.showOpenDialog(win!, { title, defaultPath: lastFolder ?? app.getPath('documents'), properties: ['openDirectory', 'createDirectory'] });
    const chosen = r.canceled ? null : (r.filePaths[0] ?? null);
    if (chosen) lastFolder = chosen;
    return chosen;
  },
});

/** IPC is accepted only from our window's main frame showing the app's own page. */
function trustedSender(e: IpcMainInvokeEvent): boolean {
  const frame = e.senderFrame;
  return !!win && e.sender === win.webContents && !!frame && frame === win.webContents.mainFrame && isAppUrl(frame.url, devServerUrl);
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'Affect Workbench',
    webPreferences: {
      preload: path.join(here, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      devTools: development,
    },
  });
  // No navigation away from the app, no new windows; allowed documentation opens in the system browser.
  w.webContents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url, devServerUrl)) e.preventDefault();
  });
  w.webContents.on('will-attach-webview', (e) => e.preventDefault());
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void w.loadURL(devServerUrl ?? APP_URL);
  return w;
}

void app.whenReady().then(() => {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionAllowed(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => permissionAllowed(permission));
  ses.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [APP_CSP] } });
  });
  registerAppProtocol(rendererDir, APP_CSP);
  registerMediaProtocol(() => backend.currentProject);

  ipcMain.handle('aw:call', (e, method: unknown, payload: unknown) => {
    if (!trustedSender(e)) return { ok: false, error: { code: 'forbidden', message: 'Unknown sender' } };
    return dispatch(backend.handlers, String(method), payload);
  });
  backend.subscribe((msg) => win?.webContents.send('aw:event', msg));

  win = createWindow();
  buildMenu({ command: (command) => backend.emit('menu.command', { command }) }, { development });
});

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url, devServerUrl)) e.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('window-all-closed', () => {
  void backend.close().then(() => app.quit());
});
