// The preload bridge: exposes the contract as window.api and nothing else. Method names and event
// names are checked against the contract here; payloads are validated again in the main process.
import { contextBridge, ipcRenderer } from 'electron';
import { events, isMethodName, type EventName } from '../shared/contract';
import type { ApiClient } from '../shared/client';

const api: ApiClient = {
  call: (method, input) => {
    if (!isMethodName(method)) return Promise.resolve({ ok: false, error: { code: 'unknown-method', message: `Unknown method ${String(method)}` } });
    return ipcRenderer.invoke('aw:call', method, input);
  },
  on: (event, listener) => {
    if (!Object.prototype.hasOwnProperty.call(events, event)) throw new Error(`Unknown event ${String(event)}`);
    const wrapped = (_e: unknown, msg: { event: EventName; payload: unknown }) => {
      if (msg.event === event) (listener as (p: unknown) => void)(msg.payload);
    };
    ipcRenderer.on('aw:event', wrapped);
    return () => ipcRenderer.removeListener('aw:event', wrapped);
  },
};

contextBridge.exposeInMainWorld('api', api);
