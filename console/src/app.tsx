import { useEffect, useState } from 'preact/hooks';
import { EnvironmentPage } from './pages/environment-page.js';
import { EnvironmentsPage } from './pages/environments-page.js';
import { RunPage } from './pages/run-page.js';
import { TenantPage } from './pages/tenant-page.js';
import { href, parseRoute, type Route } from './route.js';

/** Moves the focus to the page's heading, for keyboard and screen-reader users. */
function focusHeading(): void {
  const heading = document.querySelector<HTMLElement>('main h1');
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus();
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'environments':
      return <EnvironmentsPage />;
    case 'environment':
      return <EnvironmentPage id={route.environment} key={route.environment} />;
    case 'tenant':
      return (
        <TenantPage environment={route.environment} tenant={route.tenant} key={route.tenant} />
      );
    case 'run':
      return <RunPage id={route.run} key={route.run} />;
    case 'not-found':
      return (
        <main>
          <h1>No such page</h1>
          <p>
            {route.hash} names no page. <a href={href.environments()}>Environments</a>
          </p>
        </main>
      );
  }
}

/** The console: a header and the page the URL's hash names. */
export function App() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => {
      setRoute(parseRoute(location.hash));
      requestAnimationFrame(focusHeading);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return (
    <>
      <a
        class="skip"
        href="#content"
        onClick={(e) => {
          e.preventDefault();
          focusHeading();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <a href={href.environments()} class="brand">
          egress-provisioner
        </a>
        <nav aria-label="Main">
          <a href={href.environments()}>Environments</a>
        </nav>
      </header>
      <div id="content">
        <Page route={route} />
      </div>
    </>
  );
}
