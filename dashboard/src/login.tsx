import { useEffect, useRef, useState } from 'preact/hooks';
import { setToken, token } from './api';

/**
 * Shown when the admin API answered 401: this sandbox has `SANDBOX_ADMIN_TOKEN` set. The token
 * is kept in sessionStorage, for this tab only, and sent as `Authorization: Bearer`.
 */
export function Login() {
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const had = token() !== undefined;
  useEffect(() => input.current?.focus(), []);
  return (
    <section class="login" aria-labelledby="login-heading">
      <h1 id="login-heading">Admin token</h1>
      <p>
        {had
          ? 'The sandbox refused the token this tab had. Type the current one.'
          : 'This sandbox protects its admin API with a token (SANDBOX_ADMIN_TOKEN). Type it to use the dashboard.'}{' '}
        It is kept for this browser tab only.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setToken(value.trim());
        }}
      >
        <label class="field" for="token">
          <span class="field-label">Token</span>
        </label>
        <input
          id="token"
          ref={input}
          name="token"
          type="password"
          autoComplete="off"
          required
          value={value}
          onInput={(event) => setValue(event.currentTarget.value)}
        />
        <button type="submit" class="primary">
          Use this token
        </button>
      </form>
    </section>
  );
}
