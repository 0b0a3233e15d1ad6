import { cloneElement, type ComponentChildren, type VNode } from 'preact';
import { useCallback, useId, useState } from 'preact/hooks';
import { describeError } from './api';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.split(' ')[0] ?? 'other'}`}>{status}</span>;
}

/** A refusal or failure, read out when it appears; the API's message says what to do. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (error === undefined || error === null) return null;
  return (
    <div class="error-box" role="alert">
      {title !== undefined ? <strong>{title}: </strong> : null}
      <span class="pre-line">{describeError(error)}</span>
    </div>
  );
}

/** The outcome of an action, announced politely by screen readers. */
export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? (
    <span class="loading" role="status">
      Loading…
    </span>
  ) : null;
}

export interface Action {
  readonly busy: boolean;
  readonly error: unknown;
  readonly done: string | undefined;
  readonly run: (work: () => Promise<string | undefined | void>) => void;
  readonly clear: () => void;
}

/** An action a button starts: busy while it runs, then what happened or why not. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const run = useCallback((work: () => Promise<string | undefined | void>) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    work().then(
      (message) => {
        setBusy(false);
        setDone(message ?? undefined);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(failure);
      },
    );
  }, []);
  const clear = useCallback(() => {
    setError(undefined);
    setDone(undefined);
  }, []);
  return { busy, error, done, run, clear };
}

export function ActionResult({ action }: { action: Action }) {
  return (
    <>
      <ErrorBox error={action.error} />
      {action.done !== undefined ? <Notice>{action.done}</Notice> : null}
    </>
  );
}

/**
 * A labelled input: the label is the input's accessible name, and the hint, when there is one,
 * its description (read after the name, not as part of it).
 */
export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: VNode<{ id?: string; 'aria-describedby'?: string }>;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div class="field">
      <label class="field-label" for={id}>
        {label}
      </label>
      {cloneElement(children, {
        id,
        ...(hint !== undefined ? { 'aria-describedby': hintId } : {}),
      })}
      {hint !== undefined ? (
        <span class="field-hint" id={hintId}>
          {hint}
        </span>
      ) : null}
    </div>
  );
}

/** Fields by name, in their order, as a two-column table. */
export function FieldsTable({
  fields,
  caption,
}: {
  fields: Readonly<Record<string, string>> | readonly (readonly [string, string])[];
  caption: string;
}) {
  const rows = Array.isArray(fields)
    ? (fields as readonly (readonly [string, string])[])
    : Object.entries(fields as Record<string, string>);
  return (
    <table class="fields">
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">
              <code>{name}</code>
            </th>
            <td>
              <code class="value">{value}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Cursor paging: older pages follow `next_cursor`; the cursors passed are kept to go back. */
export function Pager({
  shown,
  total,
  page,
  hasNext,
  onNext,
  onPrevious,
}: {
  shown: number;
  total: number | undefined;
  page: number;
  hasNext: boolean;
  onNext: () => void;
  onPrevious: () => void;
}) {
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" onClick={onPrevious} disabled={page === 0}>
        ← Newer
      </button>
      <span>
        Page {page + 1}: {shown} shown{total !== undefined ? ` of ${total} matching` : ''}
      </span>
      <button type="button" onClick={onNext} disabled={!hasNext}>
        Older →
      </button>
    </nav>
  );
}

/** Paging state for a list whose API answers `next_cursor`. */
export function useCursorPages(resetKey: string): {
  cursor: string | undefined;
  page: number;
  next: (cursor: string) => void;
  previous: () => void;
} {
  const [state, setState] = useState<{ key: string; cursors: string[] }>({
    key: resetKey,
    cursors: [],
  });
  // New filters start again at the newest page.
  const cursors = state.key === resetKey ? state.cursors : [];
  return {
    cursor: cursors.at(-1),
    page: cursors.length,
    next: (cursor) => setState({ key: resetKey, cursors: [...cursors, cursor] }),
    previous: () => setState({ key: resetKey, cursors: cursors.slice(0, -1) }),
  };
}

/** A text field of a submitted form, trimmed; '' when absent. */
export function formText(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
