import { useState } from 'preact/hooks';
import { del, put } from '../api';
import { ActionResult, Field, useAction } from '../components';
import type { ScenarioStatus } from '../types';
import { ALL } from './scenario-rule-options';

/** Which scenario each merchant runs with (the pins), and changing them. */
export function Pins({
  status,
  merchants,
  onChange,
}: {
  status: ScenarioStatus;
  merchants: readonly string[];
  onChange: () => void;
}) {
  const action = useAction();
  const names = status.scenarios.map((s) => s.name).filter((name) => name !== 'runtime');
  const [name, setName] = useState('');
  const [merchant, setMerchant] = useState(ALL);
  const pins = Object.entries(status.pinned);
  const chosen = name !== '' ? name : (names[0] ?? '');

  return (
    <section aria-labelledby="pins-heading">
      <h2 id="pins-heading">Pinned scenarios</h2>
      {pins.length === 0 ? (
        <p class="lede">None pinned: the header, then the always-on rules decide.</p>
      ) : (
        <ul class="pins">
          {pins.map(([merchantId, scenario]) => (
            <li key={merchantId}>
              <strong>{scenario}</strong>{' '}
              {merchantId === ALL ? 'for all merchants' : `for merchant ${merchantId}`}{' '}
              <button
                type="button"
                disabled={action.busy}
                onClick={() =>
                  action.run(async () => {
                    await del(
                      '/__sandbox/scenarios/active',
                      merchantId === ALL ? {} : { merchant_id: merchantId },
                    );
                    onChange();
                    return merchantId === ALL
                      ? 'Unpinned for all merchants.'
                      : `Unpinned for merchant ${merchantId}.`;
                  })
                }
              >
                Unpin
                <span class="visually-hidden">
                  {' '}
                  {scenario}{' '}
                  {merchantId === ALL ? 'for all merchants' : `for merchant ${merchantId}`}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        class="inline-form"
        aria-label="Pin a scenario"
        onSubmit={(event) => {
          event.preventDefault();
          action.run(async () => {
            await put('/__sandbox/scenarios/active', {
              name: chosen,
              ...(merchant !== ALL ? { merchant_id: merchant } : {}),
            });
            onChange();
            return `Pinned ${chosen} ${merchant === ALL ? 'for all merchants' : `for merchant ${merchant}`}.`;
          });
        }}
      >
        <Field label="Scenario">
          <select name="scenario" value={chosen} onChange={(e) => setName(e.currentTarget.value)}>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </Field>
        <Field label="For">
          <select
            name="merchant"
            value={merchant}
            onChange={(e) => setMerchant(e.currentTarget.value)}
          >
            <option value={ALL}>all merchants</option>
            {merchants.map((id) => (
              <option key={id} value={id}>
                merchant {id}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="primary" disabled={action.busy || chosen === ''}>
          Pin
        </button>
      </form>
      <ActionResult action={action} />
    </section>
  );
}
