import { useState } from 'preact/hooks';
import { get, post } from '../api';
import {
  ActionResult,
  Empty,
  ErrorBox,
  Field,
  FieldsTable,
  Loading,
  StatusBadge,
  useAction,
} from '../components';
import { amount, destination, duration, formFields, time, xml } from '../format';
import { href, useResource } from '../hooks';
import type { JournalEntry, Payout, Postback, PostbackList, RequestList } from '../types';

/** A payout the admin API may say more about than the dashboard reads elsewhere. */
interface PayoutDetail extends Payout {
  /** If the API checks the answer's signature for us (it knows the merchant's key). */
  readonly answer_signature?: { readonly valid: boolean; readonly reason?: string };
}

export function PayoutPage({ paymentId }: { paymentId: string }) {
  const payout = useResource(
    () => get<PayoutDetail>(`/__sandbox/payouts/${encodeURIComponent(paymentId)}`),
    [paymentId],
    ['payout'],
  );
  const postbacks = useResource(
    () => get<PostbackList>('/__sandbox/postbacks', { payment_id: paymentId, limit: 100 }),
    [paymentId],
    ['postback'],
  );
  const data = payout.data;
  const requests = useResource(
    () =>
      data === undefined
        ? Promise.resolve<RequestList>({ requests: [] })
        : get<RequestList>('/__sandbox/requests', {
            order_id: data.orderId,
            merchant_id: data.merchantId,
            limit: 100,
          }),
    [data?.orderId, data?.merchantId],
    ['request'],
  );

  return (
    <>
      <p class="breadcrumb">
        <a href={href(['payouts'])}>← All payouts</a>
      </p>
      <h1>
        Payout {paymentId} {data !== undefined ? <StatusBadge status={data.status} /> : null}
      </h1>
      <ErrorBox error={payout.error} />
      <Loading when={payout.loading && data === undefined} />
      {data !== undefined ? (
        <>
          <Summary payout={data} />
          <FinishActions payout={data} onDone={payout.reload} />
          <Why payout={data} entries={requests.data?.requests ?? []} error={requests.error} />
          <section aria-labelledby="request-heading">
            <h2 id="request-heading">Request as received</h2>
            <p class="lede">
              <code>POST /api/{data.method}</code>, every field as the client sent it,{' '}
              <code>pg_sig</code> included.
            </p>
            <FieldsTable fields={data.request} caption="Request fields" />
          </section>
          <Answer payout={data} />
          <History payout={data} />
          <Postbacks
            postbacks={postbacks.data?.postbacks ?? []}
            error={postbacks.error}
            loading={postbacks.loading && postbacks.data === undefined}
            onResent={postbacks.reload}
          />
        </>
      ) : null}
    </>
  );
}

function Summary({ payout }: { payout: Payout }) {
  return (
    <dl class="summary">
      <dt>Merchant</dt>
      <dd>{payout.merchantId}</dd>
      <dt>Order id</dt>
      <dd>
        <a href={href(['requests'], { order_id: payout.orderId, merchant_id: payout.merchantId })}>
          {payout.orderId}
        </a>
      </dd>
      <dt>User</dt>
      <dd>{payout.userId}</dd>
      <dt>Method</dt>
      <dd>{payout.method}</dd>
      <dt>Amount</dt>
      <dd>{amount(payout.amountMinor)}</dd>
      <dt>Card or destination</dt>
      <dd>{destination(payout.destination, payout.request)}</dd>
      <dt>Status</dt>
      <dd>
        <StatusBadge status={payout.status} />
        {payout.error !== undefined
          ? ` error ${payout.error.code}: ${payout.error.description}`
          : ''}
      </dd>
      {payout.pendingFinal !== undefined ? (
        <>
          <dt>Heading for</dt>
          <dd>
            {payout.pendingFinal.status}
            {payout.pendingFinal.error !== undefined
              ? ` ${payout.pendingFinal.error.code}`
              : ''} at {time(payout.pendingFinal.dueAt)} (sandbox clock):{' '}
            {payout.pendingFinal.reason}
          </dd>
        </>
      ) : null}
      <dt>Created</dt>
      <dd>{time(payout.createdAt)}</dd>
      <dt>Last change</dt>
      <dd>{time(payout.updatedAt)}</dd>
      <dt>Order time limit</dt>
      <dd>{payout.orderTimeLimit}</dd>
      <dt>Post link</dt>
      <dd class="break">{payout.postLink === '' ? 'none: no postback' : payout.postLink}</dd>
      {payout.balanceAfterMinor !== undefined ? (
        <>
          <dt>Balance after</dt>
          <dd>{amount(payout.balanceAfterMinor)}</dd>
        </>
      ) : null}
    </dl>
  );
}

/** `POST /__sandbox/payouts/:id/finish`: only a payout still in `process` can be finished. */
function FinishActions({ payout, onDone }: { payout: Payout; onDone: () => void }) {
  const action = useAction();
  const [kind, setKind] = useState<'ok' | 'error'>('ok');
  const [code, setCode] = useState('10001');
  if (payout.status === 'waiting') return <CompletePage payout={payout} onDone={onDone} />;
  if (payout.status !== 'process') {
    return (
      <section aria-labelledby="actions-heading">
        <h2 id="actions-heading">Finish</h2>
        <p class="lede">
          Final ({payout.status}): nothing left to finish. Its postbacks can still be resent below.
        </p>
        <ActionResult action={action} />
      </section>
    );
  }
  return (
    <section aria-labelledby="actions-heading">
      <h2 id="actions-heading">Finish now</h2>
      <p class="lede">
        Ends the payout at once instead of when the sandbox clock reaches its time, and sends its
        postback as the gateway would.
      </p>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          const outcome = kind === 'ok' ? 'ok' : `error ${code.trim()}`;
          action.run(async () => {
            await post(`/__sandbox/payouts/${payout.paymentId}/finish`, { outcome });
            onDone();
            return `Payout ${payout.paymentId} finished as ${outcome}.`;
          });
        }}
      >
        <fieldset>
          <legend>Outcome</legend>
          <label class="choice">
            <input
              type="radio"
              name="finish-outcome"
              value="ok"
              checked={kind === 'ok'}
              onChange={() => setKind('ok')}
            />{' '}
            ok (paid)
          </label>
          <label class="choice">
            <input
              type="radio"
              name="finish-outcome"
              value="error"
              checked={kind === 'error'}
              onChange={() => setKind('error')}
            />{' '}
            error with a code
          </label>
        </fieldset>
        <Field label="Error code" hint="any code: 10000, 10001, 8888, …">
          <input
            name="code"
            value={code}
            inputMode="numeric"
            pattern="\d+"
            required={kind === 'error'}
            disabled={kind !== 'error'}
            onInput={(event) => setCode(event.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="primary" disabled={action.busy}>
          Finish payout
        </button>
      </form>
      <ActionResult action={action} />
    </section>
  );
}

/**
 * A payout page nobody finished (`waiting`): type the number the recipient would have typed
 * (`POST /__sandbox/payout-pages/:id/complete`); a test card's number gives its outcome.
 */
function CompletePage({ payout, onDone }: { payout: Payout; onDone: () => void }) {
  const action = useAction();
  const [pan, setPan] = useState('');
  const page =
    payout.destination?.kind === 'payout-page' ? `/payout/${payout.destination.viewId}` : undefined;
  return (
    <section aria-labelledby="actions-heading">
      <h2 id="actions-heading">Complete the payout page</h2>
      <p class="lede">
        Waiting for the recipient to type a card number on the payout page
        {page !== undefined ? (
          <>
            {' '}
            (<a href={page}>open it</a>)
          </>
        ) : null}
        . Type one here instead: a test card's number gives its outcome (Cards lists them).
      </p>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          action.run(async () => {
            await post(`/__sandbox/payout-pages/${payout.paymentId}/complete`, { pan: pan.trim() });
            onDone();
            return `Payout ${payout.paymentId} completed with card ${pan.trim()}.`;
          });
        }}
      >
        <Field label="Card number" hint="13-19 digits, e.g. 4671593866478252">
          <input
            name="pan"
            value={pan}
            inputMode="numeric"
            autoComplete="off"
            required
            onInput={(event) => setPan(event.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="primary" disabled={action.busy}>
          Complete
        </button>
      </form>
      <ActionResult action={action} />
    </section>
  );
}

function Why({
  payout,
  entries,
  error,
}: {
  payout: Payout;
  entries: readonly JournalEntry[];
  error: unknown;
}) {
  // The payout's own calls, and those about its order that made none (a refusal, a retry).
  const mine = entries
    .filter((entry) => entry.paymentId === payout.paymentId || entry.paymentId === undefined)
    .sort((a, b) => (a.id ?? 0) - (b.id ?? 0) || a.at.localeCompare(b.at));
  return (
    <section aria-labelledby="why-heading">
      <h2 id="why-heading">Why it was answered so</h2>
      <ErrorBox error={error} />
      {mine.length === 0 ? (
        <p class="lede">
          Not in the request journal any more (it keeps the latest 1,000 requests). The payout's
          first status change says: <q>{payout.history[0]?.reason}</q>
        </p>
      ) : (
        <div class="table-wrap">
          <table class="list">
            <caption class="visually-hidden">Requests about this order</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Request</th>
                <th scope="col">Outcome</th>
                <th scope="col">Rule</th>
                <th scope="col">Reason and hint</th>
              </tr>
            </thead>
            <tbody>
              {mine.map((entry, index) => (
                <tr key={entry.id ?? index}>
                  <td class="nowrap">{time(entry.at)}</td>
                  <td>
                    {entry.method} <code>{entry.path}</code>
                  </td>
                  <td>
                    <StatusBadge status={entry.outcome} />
                    {entry.fault !== undefined ? (
                      <span class="fault"> fault {entry.fault}</span>
                    ) : null}
                  </td>
                  <td>{entry.ruleId ?? 'default'}</td>
                  <td class="break">
                    {entry.reason}
                    {entry.hint !== undefined ? (
                      <span class="hint">Hint sent to the client: {entry.hint}</span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Answer({ payout }: { payout: PayoutDetail }) {
  const answer = payout.answer;
  const check = payout.answer_signature;
  return (
    <section aria-labelledby="answer-heading">
      <h2 id="answer-heading">Answer as sent</h2>
      {answer === undefined ? (
        <p class="lede">The sandbox has no answer on record for this payout.</p>
      ) : (
        <>
          <p class="lede">
            The XML the client got, rebuilt by the sandbox from the payout with the same salt.
          </p>
          <pre class="code" tabIndex={0} aria-label="Answer XML">
            {xml(answer)}
          </pre>
          <p class="signature">
            <strong>Signature: </strong>
            {check !== undefined ? (
              check.valid ? (
                <span class="good">verifies with the merchant's payout key.</span>
              ) : (
                <span class="bad">
                  does not verify{check.reason !== undefined ? `: ${check.reason}` : '.'}
                </span>
              )
            ) : payout.answerSeal?.badSignature === true ? (
              <span class="bad">
                does not verify: a scenario's <code>bad-signature</code> fault spoiled it on
                purpose.
              </span>
            ) : (
              <span>
                signed by the sandbox with the merchant's payout key (<code>pg_sig</code>{' '}
                {answer.pg_sig ?? 'missing'}); no scenario fault spoiled it.
              </span>
            )}
          </p>
        </>
      )}
    </section>
  );
}

function History({ payout }: { payout: Payout }) {
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">Status history</h2>
      <ol class="history">
        {payout.history.map((change, index) => (
          <li key={index}>
            <StatusBadge status={change.status} /> <span class="nowrap">{time(change.at)}</span>
            {change.error !== undefined
              ? ` · error ${change.error.code}: ${change.error.description}`
              : ''}
            <span class="reason">{change.reason}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function Postbacks({
  postbacks,
  error,
  loading,
  onResent,
}: {
  postbacks: readonly Postback[];
  error: unknown;
  loading: boolean;
  onResent: () => void;
}) {
  return (
    <section aria-labelledby="postbacks-heading">
      <h2 id="postbacks-heading">Postbacks</h2>
      <ErrorBox error={error} />
      <Loading when={loading} />
      {!loading && postbacks.length === 0 ? (
        <Empty>
          No postback yet: one is queued when the payout becomes final and has a post link.
        </Empty>
      ) : null}
      {[...postbacks]
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .map((postback) => (
          <PostbackCard key={postback.id} postback={postback} onResent={onResent} />
        ))}
    </section>
  );
}

function PostbackCard({ postback, onResent }: { postback: Postback; onResent: () => void }) {
  const action = useAction();
  const headingId = `postback-${postback.id}`;
  return (
    <article class="card" aria-labelledby={headingId} data-postback-id={postback.id}>
      <header class="card-header">
        <h3 id={headingId}>
          Postback {postback.id} <span class="muted">({postback.kind})</span>{' '}
          <StatusBadge status={postback.state} />
        </h3>
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            action.run(async () => {
              const resent = await post<Postback>(
                `/__sandbox/postbacks/${encodeURIComponent(postback.id)}/resend`,
              );
              onResent();
              return `Resent as postback ${resent.id}.`;
            })
          }
        >
          Resend now
        </button>
      </header>
      <ActionResult action={action} />
      <p>
        To <code class="break">{postback.url}</code>, queued {time(postback.createdAt)}.
        {postback.state === 'pending' && postback.dueAt !== undefined
          ? ` Next attempt at ${time(postback.dueAt)} (sandbox clock).`
          : ''}
        {postback.holdForNext === true ? " Held until the merchant's next postback goes out." : ''}
      </p>
      {postback.attempts.length === 0 ? (
        <p class="muted">No attempt yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="list">
            <caption class="visually-hidden">Delivery attempts of postback {postback.id}</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">HTTP status</th>
                <th scope="col">Took</th>
                <th scope="col">Merchant's answer</th>
                <th scope="col">Body sent and signature</th>
              </tr>
            </thead>
            <tbody>
              {postback.attempts.map((attempt, index) => (
                <tr key={index}>
                  <td>{index + 1}</td>
                  <td class="nowrap">{time(attempt.at)}</td>
                  <td>
                    {attempt.status !== undefined ? (
                      <StatusBadge status={String(attempt.status)} />
                    ) : (
                      <span class="bad">no answer</span>
                    )}
                    {attempt.error !== undefined ? <span class="hint">{attempt.error}</span> : null}
                  </td>
                  <td class="nowrap">{duration(attempt.durationMs)}</td>
                  <td class="break">
                    {attempt.ack !== undefined
                      ? `${attempt.ack.status}${attempt.ack.description !== undefined ? `: ${attempt.ack.description}` : ''}`
                      : ''}
                    {attempt.response !== undefined && attempt.response !== '' ? (
                      <details>
                        <summary>Answer text</summary>
                        <pre class="code">{attempt.response}</pre>
                      </details>
                    ) : null}
                  </td>
                  <td>
                    <details>
                      <summary>
                        <code>pg_sig</code> {attempt.sig}
                      </summary>
                      <FieldsTable fields={formFields(attempt.body)} caption="Body sent" />
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}
