import type { ComponentChildren } from 'preact';
import type { useCursorPages } from './components';
import { formText, Pager } from './components';
import { setQuery, type Route } from './hooks';

/** A list page's filters, read from the route's query: each '' when absent. */
export function useFilters<const Name extends string>(
  route: Route,
  names: readonly Name[],
): { filters: Record<Name, string>; key: string; filtered: boolean } {
  const filters = Object.fromEntries(
    names.map((name) => [name, route.query.get(name) ?? '']),
  ) as Record<Name, string>;
  return {
    filters,
    key: JSON.stringify(filters),
    filtered: Object.values<string>(filters).some((value) => value !== ''),
  };
}

/**
 * The filter form above a list: submitting it puts the fields named `names` in the page's query,
 * and Clear (shown once something is filtered) empties it. Pass the filters' `key` as `formKey`
 * so the fields show the route's values again when it changes.
 */
export function FilterForm({
  formKey,
  section,
  label,
  names,
  filtered,
  children,
}: {
  formKey: string;
  section: string;
  label: string;
  names: readonly string[];
  filtered: boolean;
  children: ComponentChildren;
}) {
  return (
    <form
      key={formKey}
      class="filters"
      aria-label={label}
      onSubmit={(event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget);
        setQuery([section], Object.fromEntries(names.map((name) => [name, formText(data, name)])));
      }}
    >
      {children}
      <div class="filter-buttons">
        <button type="submit" class="primary">
          Filter
        </button>
        {filtered ? (
          <button type="button" onClick={() => setQuery([section], {})}>
            Clear
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** The pager under a list whose API answers `next_cursor`. */
export function CursorPager({
  shown,
  total,
  pages,
  nextCursor,
}: {
  shown: number;
  total: number | undefined;
  pages: ReturnType<typeof useCursorPages>;
  nextCursor: string | number | null | undefined;
}) {
  return (
    <Pager
      shown={shown}
      total={total}
      page={pages.page}
      hasNext={nextCursor !== undefined && nextCursor !== null}
      onNext={() => {
        if (nextCursor !== undefined && nextCursor !== null) pages.next(String(nextCursor));
      }}
      onPrevious={pages.previous}
    />
  );
}
