import { useState, type FormEvent } from 'react';
import { post, session, type User } from './api';

export function Login({ onLogin }: { onLogin: (user: User) => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    try {
      const result = await post<{ token: string; user: User }>('/auth/login', { email: form.get('email'), password: form.get('password') });
      session.token = result.token;
      onLogin(result.user);
    } catch (failed) {
      setError((failed as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="login" onSubmit={submit}>
      <h1>Frontline console</h1>
      <label>
        E-mail <input name="email" type="email" autoComplete="username" required />
      </label>
      <label>
        Password <input name="password" type="password" autoComplete="current-password" required />
      </label>
      {error && <p className="error" role="alert">{error}</p>}
      <button disabled={busy}>Log in</button>
    </form>
  );
}
