import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiProblem, onSignedOut, token, type Me } from './api';
import { ErrorBanner } from './components';
import { href, useRoute, type Route } from './router';
import { Board } from './views/Board';
import { DeploymentDetail } from './views/Deployment';
import { Environments } from './views/Environments';
import { History } from './views/History';
import { Metrics } from './views/Metrics';

const THEME_KEY = 'shiplog.theme';
type Theme = 'light' | 'dark' | 'system';

const applyTheme = (theme: Theme) => {
  if (theme === 'system') delete document.documentElement.dataset['theme'];
  else document.documentElement.dataset['theme'] = theme;
};

const Login = ({ onSignedIn }: { onSignedIn: (me: Me) => void }) => {
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const value = (new FormData(event.currentTarget as HTMLFormElement).get('token') as string).trim();
    token.set(value);
    try {
      onSignedIn(await api<Me>('/api/v1/me'));
    } catch (failure) {
      token.clear();
      setError(failure instanceof ApiProblem && failure.status === 401 ? new ApiProblem(401, 'Token refused', 'That token is unknown, revoked or expired.', []) : failure);
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Shiplog</h1>
        <p>Paste an API token (the server printed the first admin token when it started; `shiplog tokens create` makes more). It stays in this tab only.</p>
        <label>
          Token
          <input name="token" type="password" autocomplete="off" required minLength={8} />
        </label>
        <ErrorBanner error={error} />
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
    </main>
  );
};

const NAV: { name: Route['name']; label: string; path: string }[] = [
  { name: 'board', label: 'Board', path: '' },
  { name: 'history', label: 'History', path: 'history' },
  { name: 'metrics', label: 'Metrics', path: 'metrics' },
  { name: 'environments', label: 'Environments', path: 'environments' },
];

const View = ({ route, me }: { route: Route; me: Me }) => {
  switch (route.name) {
    case 'board':
      return <Board at={route.query.get('at')} />;
    case 'deployment':
      return <DeploymentDetail id={route.id} me={me} />;
    case 'history':
      return <History query={route.query} me={me} />;
    case 'metrics':
      return <Metrics query={route.query} />;
    case 'environments':
      return <Environments env={route.env} me={me} />;
  }
};

const App = () => {
  const route = useRoute();
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(token.get() !== null);
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem(THEME_KEY) as Theme | null) ?? 'system');
  useEffect(() => applyTheme(theme), [theme]);
  useEffect(() => onSignedOut(() => (token.clear(), setMe(null))), []);
  useEffect(() => {
    if (!token.get()) return;
    api<Me>('/api/v1/me')
      .then(setMe, () => token.clear())
      .finally(() => setChecking(false));
  }, []);
  if (checking) return <p class="boot">Loading Shiplog…</p>;
  if (!me) return <Login onSignedIn={setMe} />;
  const nextTheme: Theme = theme === 'system' ? 'dark' : theme === 'dark' ? 'light' : 'system';
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('')}>
          Shiplog
        </a>
        <nav aria-label="Views">
          {NAV.map((item) => (
            <a key={item.name} href={href(item.path)} aria-current={route.name === item.name || (item.name === 'history' && route.name === 'deployment') ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <div class="who">
          <button type="button" onClick={() => (localStorage.setItem(THEME_KEY, nextTheme), setTheme(nextTheme))} aria-label={`Theme: ${theme}. Switch to ${nextTheme}`}>
            {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
          </button>
          <span>
            {me.name} <span class="role">{me.role}</span>
          </span>
          <button type="button" onClick={() => (token.clear(), setMe(null))}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <View route={route} me={me} />
      </main>
    </>
  );
};

const root = document.getElementById('app')!;
root.textContent = ''; // the "Loading…" placeholder shown until this script ran
render(<App />, root);
