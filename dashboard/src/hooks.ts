import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { live, type LiveEventType, type LiveState } from './live';

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** How long a burst of events waits before the page reloads once for all of them. */
const RELOAD_AFTER_MS = 200;

/**
 * Loads what a page shows, again when `deps` change, and again (once per burst) when a live
 * event of one of `liveTypes` arrives. What was shown stays on screen while it reloads, and an
 * answer that comes back after a newer request started is dropped.
 */
export function useResource<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  liveTypes: readonly LiveEventType[] = [],
): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const sequence = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    const mine = ++sequence.current;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (mine !== sequence.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (mine !== sequence.current) return;
        setError(failure);
        setLoading(false);
      },
    );
  }, []);

  // The caller's deps: what the load depends on (filters, an id).
  useEffect(reload, deps);

  const typesKey = liveTypes.join(',');
  useEffect(() => {
    if (typesKey === '') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = live.subscribe(typesKey.split(','), () => {
      clearTimeout(timer);
      timer = setTimeout(reload, RELOAD_AFTER_MS);
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [typesKey, reload]);

  return { data, error, loading, reload };
}

export function useLiveState(): LiveState {
  const [state, setState] = useState(live.state);
  useEffect(() => {
    const stop = live.onState(setState);
    // It may have changed between the first render and now.
    setState(live.state);
    return stop;
  }, []);
  return state;
}

/** The dashboard's place, in the URL's hash: `#/payouts/12`, `#/requests?order_id=o-1`. */
export interface Route {
  readonly parts: readonly string[];
  readonly query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = text.split('?', 2);
  return {
    parts: path
      .split('/')
      .filter((part) => part !== '')
      .map(decodeURIComponent),
    query: new URLSearchParams(query),
  };
}

export function href(parts: readonly (string | number)[], query?: Record<string, string>): string {
  const path = parts.map((part) => encodeURIComponent(String(part))).join('/');
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {}))
    if (value !== '') params.set(name, value);
  const text = params.toString();
  return `#/${path}${text === '' ? '' : `?${text}`}`;
}

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = (): void => setHash(location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return parseRoute(hash);
}

/** Moves to the page with this query; the back button goes back to the previous one. */
export function setQuery(parts: readonly (string | number)[], query: Record<string, string>): void {
  const next = href(parts, query);
  if (next !== location.hash) location.hash = next;
}
