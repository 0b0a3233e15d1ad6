import { get } from '../api';
import { Empty, ErrorBox, Field, Loading, StatusBadge, useCursorPages } from '../components';
import { time } from '../format';
import { href, useResource, type Route } from '../hooks';
import { CursorPager, FilterForm, useFilters } from '../lists';
import type { JournalEntry, RequestList } from '../types';

const FILTERS = ['path', 'merchant_id', 'order_id', 'outcome'] as const;
const PAGE_SIZE = 50;

/** Newest first, whichever order the API lists them in. */
function newestFirst(entries: readonly JournalEntry[]): JournalEntry[] {
  if (entries.every((entry) => entry.id !== undefined)) {
    return [...entries].sort((a, b) => (b.id ?? 0) - (a.id ?? 0));
  }
  return [...entries].sort((a, b) => b.at.localeCompare(a.at));
}

export function RequestsPage({ route }: { route: Route }) {
  const { filters, key, filtered } = useFilters(route, FILTERS);
  const pages = useCursorPages(key);
  const list = useResource(
    () =>
      get<RequestList>('/__sandbox/requests', {
        ...filters,
        limit: PAGE_SIZE,
        cursor: pages.cursor,
      }),
    [key, pages.cursor],
    ['request'],
  );
  const entries = newestFirst(list.data?.requests ?? []);
  const nextCursor = list.data?.next_cursor;

  return (
    <>
      <h1>Requests</h1>
      <p class="lede">
        The request journal: every gateway call, newest first, with the rule that answered it, why,
        and the hint the client was sent (the <code>X-Sandbox-Hint</code> header).
      </p>
      <FilterForm
        formKey={key}
        section="requests"
        label="Filter requests"
        names={FILTERS}
        filtered={filtered}
      >
        <Field label="Path" hint="e.g. /api/reg2reg">
          <input name="path" defaultValue={filters.path} />
        </Field>
        <Field label="Merchant">
          <input name="merchant_id" defaultValue={filters.merchant_id} inputMode="numeric" />
        </Field>
        <Field label="Order id">
          <input name="order_id" defaultValue={filters.order_id} />
        </Field>
        <Field label="Outcome" hint="ok, error, error 10001, process">
          <input name="outcome" defaultValue={filters.outcome} list="outcome-words" />
        </Field>
        <datalist id="outcome-words">
          <option value="ok" />
          <option value="error" />
          <option value="process" />
          <option value="fault" />
        </datalist>
      </FilterForm>
      <ErrorBox error={list.error} />
      <Loading when={list.loading && list.data === undefined} />
      {list.data !== undefined && entries.length === 0 ? (
        <Empty>
          {filtered
            ? 'No request matches these filters.'
            : 'No gateway request since the last reset.'}
        </Empty>
      ) : null}
      {entries.length > 0 ? (
        <>
          <div class="table-wrap">
            <table class="list" aria-label="Requests, newest first">
              <thead>
                <tr>
                  <th scope="col">Time (sandbox)</th>
                  <th scope="col">Request</th>
                  <th scope="col">Merchant</th>
                  <th scope="col">Order id</th>
                  <th scope="col">Payment</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Rule</th>
                  <th scope="col">Why, and the hint sent</th>
                  <th scope="col" class="num">
                    ms
                  </th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry, index) => (
                  <tr key={entry.id ?? index}>
                    <td class="nowrap">{time(entry.at)}</td>
                    <td>
                      {entry.method} <code class="break">{entry.path}</code>
                      {entry.scenarioHeader !== undefined ? (
                        <span class="hint">X-Sandbox-Scenario: {entry.scenarioHeader}</span>
                      ) : null}
                    </td>
                    <td>{entry.merchantId ?? ''}</td>
                    <td class="break">{entry.orderId ?? ''}</td>
                    <td>
                      {entry.paymentId !== undefined ? (
                        <a href={href(['payouts', entry.paymentId])}>{entry.paymentId}</a>
                      ) : (
                        ''
                      )}
                    </td>
                    <td>
                      <StatusBadge status={entry.outcome} />
                      {entry.fault !== undefined ? (
                        <span class="fault">fault {entry.fault}</span>
                      ) : null}
                    </td>
                    <td class="break">{entry.ruleId ?? 'default'}</td>
                    <td class="break wide">
                      {entry.reason}
                      {entry.hint !== undefined ? (
                        <span class="hint">Hint: {entry.hint}</span>
                      ) : null}
                    </td>
                    <td class="num">{entry.ms}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <CursorPager
            shown={entries.length}
            total={list.data?.total}
            pages={pages}
            nextCursor={nextCursor}
          />
        </>
      ) : null}
    </>
  );
}
