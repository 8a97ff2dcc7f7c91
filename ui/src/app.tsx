// The dashboard shell: sign-in gate, navigation, and hash routes (#/, #/boards/NAME,
// #/workloads, #/events), so the hub serves one static page.

import { useEffect, useState } from 'preact/hooks';
import { setUnauthorizedHandler } from './api/client.js';
import { releaseAll } from './api/shared-informers.js';
import { clearToken, getToken } from './api/token.js';
import { BoardPage } from './views/board.js';
import { EventsPage } from './views/events.js';
import { Login } from './views/login.js';
import { Overview } from './views/overview.js';
import { WorkloadsPage } from './views/workloads.js';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function route(hash: string) {
  const path = hash.replace(/^#/, '') || '/';
  const board = /^\/boards\/(.+)$/.exec(path);
  if (board) return <BoardPage key={board[1]} name={decodeURIComponent(board[1])} />;
  if (path === '/workloads') return <WorkloadsPage />;
  if (path === '/events') return <EventsPage />;
  return <Overview />;
}

export function App() {
  const [signedIn, setSignedIn] = useState(getToken() !== null);
  const [reason, setReason] = useState('');
  const hash = useHash();
  useEffect(
    () =>
      setUnauthorizedHandler(() => {
        releaseAll();
        setReason('The hub refused the token; sign in again.');
        setSignedIn(false);
      }),
    [],
  );
  if (!signedIn) return <Login reason={reason} onDone={() => setSignedIn(true)} />;
  const tab = (href: string, label: string) => (
    <a
      href={href}
      class={(hash || '#/') === href || (href === '#/' && hash.startsWith('#/boards')) ? 'on' : ''}
    >
      {label}
    </a>
  );
  return (
    <div class="app">
      <nav>
        <strong>Drover</strong>
        {tab('#/', 'Fleet')}
        {tab('#/workloads', 'Workloads')}
        {tab('#/events', 'Events')}
        <span class="spacer" />
        <button
          type="button"
          class="link"
          onClick={() => {
            releaseAll();
            clearToken();
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </nav>
      <main>{route(hash)}</main>
    </div>
  );
}
