// window.api as the renderer sees it in Electron (absent in browser mode, where the renderer uses HTTP).
import type { ApiClient } from '../shared/client';

declare global {
  interface Window {
    api?: ApiClient;
  }
}
export {};
