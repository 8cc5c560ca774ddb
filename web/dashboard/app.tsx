import { useEffect, useRef } from 'preact/hooks';
import { AuditPage } from './pages/audit.js';
import { CertificatePage } from './pages/certificate-detail.js';
import { ExpiryPage } from './pages/expiry.js';
import { GatewaysPage } from './pages/gateways.js';
import { InventoryPage } from './pages/inventory.js';
import { OAuthClientsPage } from './pages/oauth-clients.js';
import { TokensPage } from './pages/tokens.js';
import { useRoute } from './router.js';
import type { Route } from './router.js';

const NAVIGATION: readonly { readonly href: string; readonly label: string; readonly pages: readonly Route['page'][] }[] = [
  { href: '#/certificates', label: 'Certificates', pages: ['inventory', 'certificate'] },
  { href: '#/expiry', label: 'Expiry', pages: ['expiry'] },
  { href: '#/tokens', label: 'Tokens and approvals', pages: ['tokens'] },
  { href: '#/oauth-clients', label: 'OAuth clients', pages: ['oauth-clients'] },
  { href: '#/audit', label: 'Audit log', pages: ['audit'] },
  { href: '#/gateways', label: 'Gateways', pages: ['gateways'] },
];

function Page({ route }: { readonly route: Route }) {
  switch (route.page) {
    case 'inventory':
      return <InventoryPage params={route.params} />;
    case 'certificate':
      return <CertificatePage serial={route.serial ?? ''} />;
    case 'expiry':
      return <ExpiryPage />;
    case 'tokens':
      return <TokensPage />;
    case 'oauth-clients':
      return <OAuthClientsPage />;
    case 'audit':
      return <AuditPage />;
    case 'gateways':
      return <GatewaysPage />;
    case 'unknown':
      return (
        <section>
          <h1>Not found</h1>
          <p>
            The dashboard has no such page. <a href="#/certificates">Go to the certificates.</a>
          </p>
        </section>
      );
  }
}

export function App() {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  // A new page moves focus to its content, so keyboard and screen-reader users start there.
  const key = `${route.page}/${route.serial ?? ''}`;
  const isFirst = useRef(true);
  useEffect(() => {
    if (isFirst.current) {
      isFirst.current = false;
      return;
    }
    main.current?.focus();
  }, [key]);
  return (
    <>
      <a class="skip-link" href="#main" onClick={(event) => (event.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Symbolon</span>
        <nav aria-label="Dashboard">
          <ul>
            {NAVIGATION.map((item) => (
              <li key={item.href}>
                <a href={item.href} aria-current={item.pages.includes(route.page) ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {/* A new address is a new page (its filters read afresh); replaceState by the page itself is not one. */}
        <Page key={`${key}?${route.params.toString()}`} route={route} />
      </main>
    </>
  );
}
