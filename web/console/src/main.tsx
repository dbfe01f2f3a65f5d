/**
 * The console for the team: log in, work the queue of hand-offs (read the conversation and what the agent knew,
 * take it, answer the customer live, resolve it). It talks to the server only through its HTTP API.
 */
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, session, type User } from './api';
import { Login } from './Login';
import { Tickets } from './Tickets';
import './styles.css';

function App() {
  const [user, setUser] = useState<User | null>();
  useEffect(() => {
    const out = () => setUser(null);
    window.addEventListener('frontline-logout', out);
    // A token kept from before this page load: is it still good?
    if (session.token) api<{ user: User | null }>('/auth/me').then((me) => setUser(me.user), out);
    else setUser(null);
    return () => window.removeEventListener('frontline-logout', out);
  }, []);

  if (user === undefined) return null;
  if (!user) return <Login onLogin={setUser} />;
  return (
    <div className="app">
      <nav>
        <strong>Frontline</strong>
        <span>
          {user.displayName} ({user.role})
        </span>
        <button
          onClick={() => {
            session.token = null;
            setUser(null);
          }}
        >
          Log out
        </button>
      </nav>
      <Tickets user={user} />
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
