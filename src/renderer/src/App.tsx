// The application shell: menu bar (browser mode; Electron shows its native menu), view tabs, the
// routed screen, error banner, dialogs and status bar.
import { transport } from './api';
import { MenuBar, useAccelerators } from './components/MenuBar';
import { ErrorBanner } from './components/ErrorBanner';
import { DialogHost } from './components/Dialogs';
import { StatusBar } from './components/StatusBar';
import { routeHash, useRoute, type Route } from './router';
import { HomeScreen } from './screens/HomeScreen';
import { ReviewScreen } from './screens/ReviewScreen';
import { TrainingScreen } from './screens/TrainingScreen';
import { AgreementScreen } from './agreement/AgreementScreen';
import { useApp } from './store';

const TABS: { name: Route['name']; label: string; href: string }[] = [
  { name: 'home', label: 'Project', href: routeHash({ name: 'home' }) },
  { name: 'review', label: 'Review', href: routeHash({ name: 'review', mediaId: null }) },
  { name: 'training', label: 'Training', href: routeHash({ name: 'training' }) },
  { name: 'agreement', label: 'Agreement', href: routeHash({ name: 'agreement', mediaId: null }) },
];

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case 'home':
      return <HomeScreen />;
    case 'review':
      return <ReviewScreen mediaId={route.mediaId} />;
    case 'training':
      return <TrainingScreen />;
    case 'agreement':
      return <AgreementScreen route={route} />;
    case 'not-found':
      return (
        <section className="panel" data-testid="not-found">
          <h2 className="panel-title">Nothing here</h2>
          <p className="empty">
            No screen at <code>{route.hash}</code>. <a href="#/">Go to the project screen</a>
          </p>
        </section>
      );
  }
}

export function App() {
  const route = useRoute();
  const projectName = useApp((s) => s.project?.name ?? null);
  const booted = useApp((s) => s.booted);
  const browserMode = transport === 'http';
  useAccelerators(browserMode);
  const title = projectName ? <span className="menubar-project">{projectName}</span> : null;
  return (
    <div className="app" data-testid="app" data-route={route.name} data-booted={booted}>
      {browserMode ? (
        <MenuBar right={title} />
      ) : (
        <div className="menubar">
          <span className="brand">
            <span className="brand-mark">AW</span>Affect Workbench
          </span>
          <div className="menubar-right">{title}</div>
        </div>
      )}
      <nav className="tabs" aria-label="Views">
        {TABS.map((t) => (
          <a key={t.name} href={t.href} className={`tab${route.name === t.name ? ' active' : ''}`} data-testid={`nav-${t.name}`} aria-current={route.name === t.name ? 'page' : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      <ErrorBanner />
      <main className="content" data-testid={`screen-${route.name}`}>
        <Screen route={route} />
      </main>
      <StatusBar />
      <DialogHost />
    </div>
  );
}
