import { get } from '../api';
import { Empty, ErrorBox, Field, Loading, StatusBadge, useCursorPages } from '../components';
import { time } from '../format';
import { href, useResource, type Route } from '../hooks';
import { CursorPager, FilterForm, useFilters } from '../lists';
import type { CardList, CardSessionList } from '../types';

const FILTERS = ['merchant_id', 'user_id'] as const;
const PAGE_SIZE = 50;

export function CardsPage({ route }: { route: Route }) {
  const { filters, key, filtered } = useFilters(route, FILTERS);
  const pages = useCursorPages(key);
  const cards = useResource(
    () => get<CardList>('/__sandbox/cards', { ...filters, limit: PAGE_SIZE, cursor: pages.cursor }),
    [key, pages.cursor],
    ['card'],
  );
  const sessions = useResource(
    () => get<CardSessionList>('/__sandbox/card-sessions', { ...filters, limit: 20 }),
    [key],
    ['card-session'],
  );
  const saved = cards.data?.saved ?? [];
  const nextCursor = cards.data?.next_cursor;

  return (
    <>
      <h1>Cards</h1>
      <p class="lede">
        The test cards every merchant can pay out to, the cards users saved (hosted page,{' '}
        <code>/g2g/cardstorage/add</code> or <code>POST /__sandbox/cards</code>), and the
        card-saving sessions.
      </p>
      <FilterForm
        formKey={key}
        section="cards"
        label="Filter saved cards and sessions"
        names={FILTERS}
        filtered={filtered}
      >
        <Field label="Merchant">
          <input name="merchant_id" defaultValue={filters.merchant_id} inputMode="numeric" />
        </Field>
        <Field label="User">
          <input name="user_id" defaultValue={filters.user_id} />
        </Field>
      </FilterForm>
      <ErrorBox error={cards.error} />
      <Loading when={cards.loading && cards.data === undefined} />

      <section aria-labelledby="saved-heading">
        <h2 id="saved-heading">Saved cards</h2>
        {cards.data !== undefined && saved.length === 0 ? (
          <Empty>{filtered ? 'No saved card matches.' : 'No card saved yet.'}</Empty>
        ) : null}
        {saved.length > 0 ? (
          <>
            <div class="table-wrap">
              <table class="list">
                <caption class="visually-hidden">Saved cards, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Card id</th>
                    <th scope="col">Merchant</th>
                    <th scope="col">User</th>
                    <th scope="col">Card</th>
                    <th scope="col">Token</th>
                    <th scope="col">Payout outcome</th>
                    <th scope="col">Status</th>
                    <th scope="col">Saved</th>
                  </tr>
                </thead>
                <tbody>
                  {saved.map((card) => (
                    <tr key={card.id}>
                      <td>{card.id}</td>
                      <td>{card.merchantId}</td>
                      <td>{card.userId}</td>
                      <td class="nowrap">
                        {card.hash}
                        {card.payoutOnly ? <span class="hint">payouts only</span> : null}
                      </td>
                      <td>
                        <a href={href(['payouts'], { card: card.token })}>
                          <code class="break">{card.token}</code>
                        </a>
                      </td>
                      <td>{card.outcome}</td>
                      <td>
                        <StatusBadge status={card.status} />
                      </td>
                      <td class="nowrap">{time(card.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <CursorPager
              shown={saved.length}
              total={cards.data?.total}
              pages={pages}
              nextCursor={nextCursor}
            />
          </>
        ) : null}
      </section>

      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Card-saving sessions</h2>
        <ErrorBox error={sessions.error} />
        {sessions.data !== undefined && sessions.data.sessions.length === 0 ? (
          <Empty>No session yet.</Empty>
        ) : null}
        {(sessions.data?.sessions.length ?? 0) > 0 ? (
          <div class="table-wrap">
            <table class="list">
              <caption class="visually-hidden">Card-saving sessions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Payment id</th>
                  <th scope="col">Merchant</th>
                  <th scope="col">User</th>
                  <th scope="col">Opened by</th>
                  <th scope="col">State</th>
                  <th scope="col">History</th>
                  <th scope="col">Page</th>
                </tr>
              </thead>
              <tbody>
                {sessions.data?.sessions.map((session) => (
                  <tr key={session.paymentId}>
                    <td>{session.paymentId}</td>
                    <td>{session.merchantId}</td>
                    <td>{session.userId}</td>
                    <td>{session.variant}</td>
                    <td>
                      <StatusBadge status={session.state} />
                      {session.failure !== undefined ? (
                        <span class="hint">
                          error {session.failure.code}: {session.failure.description}
                        </span>
                      ) : null}
                    </td>
                    <td class="break">
                      {session.history
                        .map((change) => `${time(change.at)} ${change.state}: ${change.reason}`)
                        .join(' · ')}
                    </td>
                    <td>
                      {session.page !== undefined ? (
                        <a href={session.page} target="_blank" rel="noreferrer">
                          open
                          <span class="visually-hidden">
                            {' '}
                            the hosted page of session {session.paymentId}
                          </span>
                        </a>
                      ) : (
                        ''
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      <section aria-labelledby="test-cards-heading">
        <h2 id="test-cards-heading">Test cards</h2>
        <p class="lede">
          Everyone's cards: a payout to one ends as its outcome says, unless a rule decides.
        </p>
        {cards.data !== undefined ? (
          <div class="table-wrap">
            <table class="list">
              <caption class="visually-hidden">Test cards</caption>
              <thead>
                <tr>
                  <th scope="col">Number</th>
                  <th scope="col">
                    <code>pg_card_token_to</code>
                  </th>
                  <th scope="col">
                    <code>pg_card_id_to</code>
                  </th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {cards.data.cards.map((card) => (
                  <tr key={card.token}>
                    <td class="nowrap">
                      <code>{card.pan}</code>
                    </td>
                    <td>
                      <code class="break">{card.token}</code>
                    </td>
                    <td>{card.id}</td>
                    <td>{card.outcome}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </>
  );
}
