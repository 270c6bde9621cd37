// Renderer entry: mounts the shell and starts the session (events first, then the initial queries).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { runCommand } from './commands';
import { boot } from './session';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
void boot(runCommand);
