import { useMemo } from 'preact/hooks';
import { get } from '../api';
import { Empty, ErrorBox, Field, Loading, StatusBadge, useCursorPages } from '../components';
import { amount, destination, time } from '../format';
import { href, useResource, type Route } from '../hooks';
import { CursorPager, FilterForm, useFilters } from '../lists';
import type { JournalEntry, Payout, PayoutList, RequestList } from '../types';

export const PAYOUT_STATUSES = ['waiting', 'process', 'ok', 'error'] as const;
export const PAYOUT_METHODS = ['reg2reg', 'reg2nonreg', 'p2p2nonreg', 'to_iban', 'iban_payout'];
const FILTERS = ['merchant_id', 'order_id', 'payment_id', 'status', 'method', 'card'] as const;
const PAGE_SIZE = 50;

/** The journal entry of each payment id, newest last: which rule answered it and why. */
export function useJournalByPayment(): Map<number, JournalEntry> {
  // The journal keeps its latest 1,000 entries; older payouts fall back to their history.
  const journal = useResource(
    () => get<RequestList>('/__sandbox/requests', { limit: 1000 }),
    [],
    ['request'],
  );
  return useMemo(() => {
    const byPayment = new Map<number, JournalEntry>();
    for (const entry of journal.data?.requests ?? []) {
      if (entry.paymentId === undefined) continue;
      const seen = byPayment.get(entry.paymentId);
      // The request that made the payout, not a status call about it later.
      if (seen === undefined || (entry.id ?? 0) < (seen.id ?? 0))
        byPayment.set(entry.paymentId, entry);
    }
    return byPayment;
  }, [journal.data]);
}

/** Which rule answered: the journal's rule id, else the reason the payout was given. */
export function ruleOf(
  payout: Payout,
  entry: JournalEntry | undefined,
): { short: string; long: string } {
  if (entry !== undefined) {
    return { short: entry.ruleId ?? 'default', long: entry.reason };
  }
  const reason = payout.history[0]?.reason ?? '';
  return { short: reason.length > 60 ? `${reason.slice(0, 57)}…` : reason, long: reason };
}

export function PayoutsPage({ route }: { route: Route }) {
  const { filters, key, filtered } = useFilters(route, FILTERS);
  const pages = useCursorPages(key);
  const list = useResource(
    () =>
      get<PayoutList>('/__sandbox/payouts', {
        ...filters,
        limit: PAGE_SIZE,
        cursor: pages.cursor,
      }),
    [key, pages.cursor],
    // Retention forgets settled payouts: the list drops them.
    ['payout', 'forgotten'],
  );
  const journal = useJournalByPayment();
  const payouts = list.data?.payouts ?? [];
  const nextCursor = list.data?.next_cursor;

  return (
    <>
      <h1>Payouts</h1>
      <p class="lede">
        Every payout the sandbox made, newest first, as it changes. Open one to see its request, its
        answer, its postbacks, and to finish it or resend a postback.
      </p>
      <FilterForm
        formKey={key}
        section="payouts"
        label="Filter payouts"
        names={FILTERS}
        filtered={filtered}
      >
        <Field label="Merchant">
          <input name="merchant_id" defaultValue={filters.merchant_id} inputMode="numeric" />
        </Field>
        <Field label="Order id">
          <input name="order_id" defaultValue={filters.order_id} />
        </Field>
        <Field label="Payment id">
          <input name="payment_id" defaultValue={filters.payment_id} inputMode="numeric" />
        </Field>
        <Field label="Status">
          <select name="status">
            <option value="">any</option>
            {PAYOUT_STATUSES.map((status) => (
              // `selected`, not the select's value: a live reload must not undo a choice.
              <option key={status} value={status} selected={status === filters.status}>
                {status}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Method">
          <select name="method">
            <option value="">any</option>
            {PAYOUT_METHODS.map((method) => (
              <option key={method} value={method} selected={method === filters.method}>
                {method}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Card" hint="token, card id or masked number">
          <input name="card" defaultValue={filters.card} />
        </Field>
      </FilterForm>
      <ErrorBox error={list.error} />
      <Loading when={list.loading && list.data === undefined} />
      {list.data !== undefined && payouts.length === 0 ? (
        <Empty>
          {filtered
            ? 'No payout matches these filters.'
            : 'No payouts yet. Send one to POST /api/reg2reg and it appears here.'}
        </Empty>
      ) : null}
      {payouts.length > 0 ? (
        <>
          <div class="table-wrap">
            <table class="list" aria-label="Payouts, newest first">
              <thead>
                <tr>
                  <th scope="col">Payment id</th>
                  <th scope="col">Time (sandbox)</th>
                  <th scope="col">Merchant</th>
                  <th scope="col">Order id</th>
                  <th scope="col">Method</th>
                  <th scope="col" class="num">
                    Amount
                  </th>
                  <th scope="col">Card or destination</th>
                  <th scope="col">Status</th>
                  <th scope="col">Rule that answered</th>
                </tr>
              </thead>
              <tbody>
                {payouts.map((payout) => {
                  const rule = ruleOf(payout, journal.get(payout.paymentId));
                  return (
                    <tr key={payout.paymentId} data-payment-id={payout.paymentId}>
                      <td>
                        <a href={href(['payouts', payout.paymentId])}>{payout.paymentId}</a>
                      </td>
                      <td class="nowrap">{time(payout.createdAt)}</td>
                      <td>{payout.merchantId}</td>
                      <td class="break">{payout.orderId}</td>
                      <td>{payout.method}</td>
                      <td class="num">{amount(payout.amountMinor)}</td>
                      <td class="break">{destination(payout.destination, payout.request)}</td>
                      <td>
                        <StatusBadge status={payout.status} />
                        {payout.error !== undefined ? (
                          <span class="code-after"> {payout.error.code}</span>
                        ) : null}
                      </td>
                      <td class="break" title={rule.long}>
                        {rule.short}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <CursorPager
            shown={payouts.length}
            total={list.data?.total}
            pages={pages}
            nextCursor={nextCursor}
          />
        </>
      ) : null}
    </>
  );
}
