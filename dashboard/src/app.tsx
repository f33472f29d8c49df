import { useEffect, useMemo, useState } from 'preact/hooks';
import { ErrorBoundary } from 'preact-iso/lazy';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso/router';
import { createAdminApi } from './api/admin-api.js';
import type { Whoami } from './api/wire.js';
import { basePath, pages, pageUrl } from './pages.js';
import { SessionContext, storedKey, storeKey, type Session } from './session.js';
import { SignIn } from './sign-in.js';

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        No console page at this address. <a href={pageUrl('overview')}>Go to the overview</a>.
      </p>
    </section>
  );
}

function Home() {
  const { route } = useLocation();
  useEffect(() => route(pageUrl('overview'), true), [route]);
  return null;
}

function Shell(props: { session: Session }) {
  const { path } = useLocation();
  const current = pages.find((page) => path === `${basePath}/${page.path}`);
  useEffect(() => {
    document.title = `${current?.title ?? 'Console'} · Palisade`;
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [current]);
  const { whoami } = props.session;
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Palisade</span>
        <nav aria-label="Console">
          <ul>
            {pages.map((page) => (
              <li key={page.path}>
                <a href={pageUrl(page.path)} aria-current={page === current ? 'page' : undefined}>
                  {page.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who" title={whoami.key.scopes.join(', ')}>
          <code>{whoami.key.prefix}</code> · {whoami.operator ? 'operator, every tenant' : `admin of ${whoami.tenant.id}`}
        </span>
        <button type="button" onClick={() => props.session.signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <ErrorBoundary>
          <Router>
            <Route path={basePath} component={Home} />
            <Route path={`${basePath}/`} component={Home} />
            {pages.map((page) => (
              <Route key={page.path} path={`${basePath}/${page.path}`} component={page.component} />
            ))}
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </main>
    </>
  );
}

/** Signs in with the key kept in this tab, if any; otherwise shows the sign-in form. */
export function App() {
  const [key, setKey] = useState<string | undefined>(storedKey);
  const [whoami, setWhoami] = useState<Whoami | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const signOut = (reason?: string) => {
    storeKey(undefined);
    setKey(undefined);
    setWhoami(undefined);
    setNotice(reason);
  };

  const api = useMemo(() => (key === undefined ? undefined : createAdminApi({ key, onUnauthenticated: () => signOut('The key stopped working (revoked, expired or its tenant disabled). Sign in again.') })), [key]);

  useEffect(() => {
    if (api === undefined || whoami !== undefined) return;
    api.whoami().then(setWhoami, () => signOut('Sign in again.'));
  }, [api, whoami]);

  async function signIn(candidate: string) {
    const answer = await createAdminApi({ key: candidate }).whoami();
    storeKey(candidate);
    setNotice(undefined);
    setWhoami(answer);
    setKey(candidate);
  }

  if (key === undefined || api === undefined) return <SignIn onSignIn={signIn} notice={notice} />;
  if (whoami === undefined) return <p role="status">Signing in…</p>;
  return (
    <SessionContext.Provider value={{ api, whoami, signOut }}>
      <LocationProvider scope={basePath}>
        <Shell session={{ api, whoami, signOut }} />
      </LocationProvider>
    </SessionContext.Provider>
  );
}
