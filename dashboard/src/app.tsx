import { useEffect, useRef, useState } from 'preact/hooks';
import { isAuthNeeded, onAuthNeeded, setToken, token } from './api';
import { href, useLiveState, useRoute } from './hooks';
import type { LiveState } from './live';
import { Login } from './login';
import { CardsPage } from './pages/cards';
import { ClockPage } from './pages/clock';
import { PayoutPage } from './pages/payout';
import { PayoutsPage } from './pages/payouts';
import { RequestsPage } from './pages/requests';
import { ResetPage } from './pages/reset';
import { ScenariosPage } from './pages/scenarios';

const TABS = [
  ['payouts', 'Payouts'],
  ['requests', 'Requests'],
  ['scenarios', 'Scenarios'],
  ['cards', 'Cards'],
  ['clock', 'Clock & balances'],
  ['reset', 'Reset'],
] as const;

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: 'Connecting to live updates…',
  live: 'Live: updates as the sandbox changes',
  reconnecting: 'Live updates lost: reconnecting…',
  polling: 'Refreshing every 5 s (no live events route)',
  'waiting-for-token': 'Waiting for the admin token',
};

export function App() {
  const route = useRoute();
  const [authNeeded, setAuthNeeded] = useState(isAuthNeeded());
  // Bumped when a token is given: every page loads again with it.
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    const stop = onAuthNeeded((needed) => {
      setAuthNeeded(needed);
      if (!needed) setEpoch((n) => n + 1);
    });
    // A 401 may have come back between the first render and now.
    setAuthNeeded(isAuthNeeded());
    return stop;
  }, []);
  const liveState = useLiveState();
  const section = route.parts[0] ?? 'payouts';
  const tab = TABS.find(([id]) => id === section);
  const title =
    route.parts[0] === 'payouts' && route.parts[1] !== undefined
      ? `Payout ${route.parts[1]}`
      : (tab?.[1] ?? 'Not found');

  useEffect(() => {
    document.title = `${title} · Sandbox QA dashboard`;
  }, [title]);

  // After moving to another page, focus its heading so keyboard and screen reader users start there.
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const place = route.parts.join('/');
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = main.current?.querySelector<HTMLElement>('h1');
    if (heading) {
      // Focusable by script only: not a stop when tabbing.
      heading.tabIndex = -1;
      heading.focus();
    }
  }, [place]);

  return (
    <>
      <a
        class="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <div class="sandbox-banner" role="note">
        <strong>SANDBOX</strong> · a local test emulator, not the real Freedom Pay gateway. No real
        money moves and nothing leaves this machine.
      </div>
      <header class="top">
        <p class="brand">
          <span class="brand-mark" aria-hidden="true">
            S
          </span>
          FreedomPay sandbox <span class="muted">· QA dashboard</span>
        </p>
        <p class={`live live-${liveState}`} aria-live="polite">
          <span class="live-dot" aria-hidden="true" />
          {LIVE_TEXT[liveState]}
        </p>
        {token() !== undefined && !authNeeded ? (
          <button type="button" class="link-button" onClick={() => setToken(undefined)}>
            Forget token
          </button>
        ) : null}
      </header>
      <nav class="tabs" aria-label="Sections">
        <ul>
          {TABS.map(([id, label]) => (
            <li key={id}>
              <a href={href([id])} aria-current={section === id ? 'page' : undefined}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        {authNeeded ? <Login /> : <Page key={`${epoch}`} section={section} route={route} />}
      </main>
    </>
  );
}

function Page({ section, route }: { section: string; route: ReturnType<typeof useRoute> }) {
  switch (section) {
    case 'payouts':
      return route.parts[1] !== undefined ? (
        <PayoutPage key={route.parts[1]} paymentId={route.parts[1]} />
      ) : (
        <PayoutsPage route={route} />
      );
    case 'requests':
      return <RequestsPage route={route} />;
    case 'scenarios':
      return <ScenariosPage />;
    case 'cards':
      return <CardsPage route={route} />;
    case 'clock':
      return <ClockPage />;
    case 'reset':
      return <ResetPage />;
    default:
      return (
        <>
          <h1>Not found</h1>
          <p>
            There is no page <code>{route.parts.join('/')}</code>.{' '}
            <a href={href(['payouts'])}>Go to the payouts</a>.
          </p>
        </>
      );
  }
}
