import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api';
import { ActionResult, ErrorBox, Field, Loading, useAction } from '../components';
import { duration, parseDuration, time } from '../format';
import { useResource } from '../hooks';
import type { ClockStatus, Merchant } from '../types';

const SPEEDS = [
  ['Stop', 0],
  ['Real time', 1],
  ['10× faster', 10],
  ['60× faster', 60],
] as const;

const STEPS = [
  ['1 min', 60_000],
  ['5 min', 300_000],
  ['1 hour', 3_600_000],
  ['1 day', 86_400_000],
] as const;

export function ClockPage() {
  return (
    <>
      <h1>Clock and balances</h1>
      <Clock />
      <Balances />
    </>
  );
}

function Clock() {
  const clock = useResource(() => get<ClockStatus>('/__sandbox/clock'), [], ['clock', 'payout']);
  const action = useAction();
  const [text, setText] = useState('');
  const advance = (ms: number): void =>
    action.run(async () => {
      const status = await post<ClockStatus>('/__sandbox/clock/advance', { ms });
      clock.reload();
      return `Moved ahead ${duration(ms)}: now ${time(status.now)}.`;
    });
  const setSpeed = (speed: number): void =>
    action.run(async () => {
      await post<ClockStatus>('/__sandbox/clock/speed', { speed });
      clock.reload();
      return speed === 0
        ? 'Stopped: the clock now moves only when you move it.'
        : `Running at ${speed === 1 ? 'real time' : `${speed}× real time`}.`;
    });
  const data = clock.data;
  const now = useTicking(data);
  return (
    <section aria-labelledby="clock-heading">
      <h2 id="clock-heading">Sandbox clock</h2>
      <p class="lede">
        Every time the sandbox shows is on this clock: when a <code>process</code> payout ends, when
        a postback is retried, when an order's time limit passes. Moving it ahead runs everything
        that became due.
      </p>
      <ErrorBox error={clock.error} />
      <Loading when={clock.loading && data === undefined} />
      {data !== undefined ? (
        <dl class="summary">
          <dt>Now</dt>
          <dd>
            <strong>{time(now)}</strong> UTC
          </dd>
          <dt>Speed</dt>
          <dd>
            {data.speed === 0
              ? 'stopped: it moves only when you move it'
              : data.speed === 1
                ? 'real time'
                : `${data.speed}× real time`}
          </dd>
          <dt>Moved ahead by hand</dt>
          <dd>{duration(data.advancedMs)}</dd>
          <dt>Waiting to run</dt>
          <dd>
            {data.pending} timer{data.pending === 1 ? '' : 's'}
            {data.next !== undefined ? `, the next at ${time(data.next)}` : ''}
          </dd>
        </dl>
      ) : null}
      <div class="button-row" role="group" aria-label="Clock speed">
        {SPEEDS.map(([label, speed]) => (
          <button
            key={label}
            type="button"
            disabled={action.busy || data?.speed === speed}
            aria-pressed={data?.speed === speed}
            onClick={() => setSpeed(speed)}
          >
            {label}
          </button>
        ))}
      </div>
      <div class="button-row" role="group" aria-label="Move the clock ahead">
        {STEPS.map(([label, ms]) => (
          <button key={label} type="button" disabled={action.busy} onClick={() => advance(ms)}>
            +{label}
          </button>
        ))}
      </div>
      <form
        class="inline-form"
        aria-label="Move the clock ahead by"
        onSubmit={(event) => {
          event.preventDefault();
          const ms = parseDuration(text);
          if (ms === undefined) {
            action.run(() =>
              Promise.reject(
                new Error(
                  `"${text}" is not a duration: write 90 (seconds), 30s, 5m, 2h, 1d or 1h 30m`,
                ),
              ),
            );
            return;
          }
          advance(ms);
        }}
      >
        <Field label="Move ahead by" hint="90 (seconds), 30s, 5m, 2h, 1d, 1h 30m">
          <input
            name="advance"
            value={text}
            required
            onInput={(event) => setText(event.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="primary" disabled={action.busy}>
          Move ahead
        </button>
      </form>
      <ActionResult action={action} />
      <p class="muted">
        The speed starts as <code>SANDBOX_CLOCK_SPEED</code> says (0 stops it) and changes here with{' '}
        <code>POST /__sandbox/clock/speed</code>; the time never jumps when it does.
      </p>
    </section>
  );
}

/**
 * The sandbox time now: the clock's answer moved on by the real time since, times its speed (a
 * stopped clock stays put). Not announced to screen readers on every tick.
 */
function useTicking(status: ClockStatus | undefined): string | undefined {
  const [now, setNow] = useState(() => Date.now());
  const [fetched, setFetched] = useState(() => Date.now());
  useEffect(() => setFetched(Date.now()), [status]);
  useEffect(() => {
    if (status === undefined || status.speed === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [status]);
  if (status === undefined) return undefined;
  if (status.speed === 0) return status.now;
  const moved = Math.max(now - fetched, 0) * status.speed;
  return new Date(status.nowMs + moved).toISOString();
}

function Balances() {
  const merchants = useResource(
    () => get<{ merchants: Merchant[] }>('/__sandbox/merchants'),
    [],
    ['balance', 'payout'],
  );
  return (
    <section aria-labelledby="balances-heading">
      <h2 id="balances-heading">Merchant balances</h2>
      <p class="lede">
        A payout larger than the merchant's payout balance is refused with 10011 "Insufficient funds
        on the payout balance". Top a balance up, or set it low to test that refusal.
      </p>
      <ErrorBox error={merchants.error} />
      <Loading when={merchants.loading && merchants.data === undefined} />
      {merchants.data !== undefined ? (
        <div class="table-wrap">
          <table class="list">
            <caption class="visually-hidden">Merchants and their payout balances</caption>
            <thead>
              <tr>
                <th scope="col">Merchant</th>
                <th scope="col" class="num">
                  Balance
                </th>
                <th scope="col">Change it</th>
              </tr>
            </thead>
            <tbody>
              {merchants.data.merchants.map((merchant) => (
                <tr key={merchant.pg_merchant_id} data-merchant-id={merchant.pg_merchant_id}>
                  <th scope="row">{merchant.pg_merchant_id}</th>
                  <td class="num balance">{merchant.balance}</td>
                  <td>
                    <BalanceForm merchantId={merchant.pg_merchant_id} onDone={merchants.reload} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function BalanceForm({ merchantId, onDone }: { merchantId: string; onDone: () => void }) {
  const action = useAction();
  const [value, setValue] = useState('');
  const change = (how: 'add' | 'set'): void => {
    action.run(async () => {
      const given = value.trim();
      if (!/^\d{1,9}(\.\d{1,2})?$/.test(given)) {
        throw new Error(`"${given}" is not an amount: write it as 100 or 100.50`);
      }
      await post(`/__sandbox/merchants/${encodeURIComponent(merchantId)}/balance`, {
        [how]: given,
      });
      onDone();
      setValue('');
      return how === 'add' ? `Added ${given} for ${merchantId}.` : `Set ${merchantId} to ${given}.`;
    });
  };
  const inputId = `amount-${merchantId}`;
  return (
    <form
      class="inline-form compact"
      aria-label={`Change the balance of merchant ${merchantId}`}
      onSubmit={(event) => {
        event.preventDefault();
        change('add');
      }}
    >
      <label for={inputId}>
        Amount<span class="visually-hidden"> for merchant {merchantId}</span>
      </label>
      <input
        id={inputId}
        name="amount"
        inputMode="decimal"
        placeholder="100.00"
        size={10}
        value={value}
        onInput={(event) => setValue(event.currentTarget.value)}
      />
      <button type="submit" disabled={action.busy}>
        Top up
      </button>
      <button type="button" disabled={action.busy} onClick={() => change('set')}>
        Set to
      </button>
      <ActionResult action={action} />
    </form>
  );
}
