import { useEffect, useRef, useState } from 'preact/hooks';
import { post } from '../api';
import { ActionResult, useAction } from '../components';

/** How the reset's answer names what it cleared, for people: one, many. */
const CLEARED: Record<string, readonly [string, string]> = {
  runtimeRules: ['run-time rule', 'run-time rules'],
  pins: ['pin', 'pins'],
  requests: ['journal entry', 'journal entries'],
  payouts: ['payout', 'payouts'],
  postbacks: ['postback', 'postbacks'],
  savedCards: ['saved card', 'saved cards'],
  cardSessions: ['card session', 'card sessions'],
  balances: ['balance', 'balances'],
};

function clearedText(cleared: Readonly<Record<string, number>>): string {
  return Object.entries(cleared)
    .filter(([, count]) => count > 0)
    .map(([what, count]) => {
      const [one, many] = CLEARED[what] ?? [what, what];
      return `${count} ${count === 1 ? one : many}`;
    })
    .join(', ');
}

/** `POST /__sandbox/reset`, with `{"data": true}` to clear the records too; asked twice. */
export function ResetPage() {
  const action = useAction();
  const [data, setData] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const startButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  return (
    <>
      <h1>Reset</h1>
      <form
        class="reset-form"
        aria-label="Reset the sandbox"
        onSubmit={(event) => {
          event.preventDefault();
          action.clear();
          setConfirming(true);
        }}
      >
        <fieldset>
          <legend>What to reset</legend>
          <label class="choice block">
            <input
              type="radio"
              name="scope"
              value="scenarios"
              checked={!data}
              onChange={() => {
                setData(false);
                setConfirming(false);
              }}
            />{' '}
            <strong>Scenario state only</strong>: rules added at run time, pins, sequence and{' '}
            <code>times</code> counters, and the request journal. The scenario files are read again.
            Payouts, cards, postbacks and balances stay.
          </label>
          <label class="choice block">
            <input
              type="radio"
              name="scope"
              value="data"
              checked={data}
              onChange={() => {
                setData(true);
                setConfirming(false);
              }}
            />{' '}
            <strong>Everything</strong>: the scenario state, and also every payout, saved card, card
            session and postback; balances go back to their opening amount. Payment ids go on from
            where they were.
          </label>
        </fieldset>
        {!confirming ? (
          <button type="submit" class="danger" ref={startButton} disabled={action.busy}>
            Reset…
          </button>
        ) : (
          <div class="confirm" role="group" aria-labelledby="confirm-text">
            <p id="confirm-text">
              <strong>
                {data
                  ? 'Delete every payout, card, postback and balance, and reset the scenarios?'
                  : 'Reset the scenario state and clear the request journal?'}
              </strong>{' '}
              This cannot be undone.
            </p>
            <button
              type="button"
              class="danger"
              ref={confirmButton}
              disabled={action.busy}
              onClick={() =>
                action.run(async () => {
                  const answer = await post<{ cleared?: Record<string, number> }>(
                    '/__sandbox/reset',
                    data ? { data: true } : {},
                  );
                  setConfirming(false);
                  startButton.current?.focus();
                  const cleared = clearedText(answer.cleared ?? {});
                  return `Reset: the scenarios are back to the files${cleared !== '' ? `; cleared ${cleared}` : ''}.`;
                })
              }
            >
              Yes, reset {data ? 'everything' : 'the scenario state'}
            </button>{' '}
            <button
              type="button"
              onClick={() => {
                setConfirming(false);
              }}
            >
              Cancel
            </button>
          </div>
        )}
      </form>
      <ActionResult action={action} />
    </>
  );
}
