import { useState } from 'preact/hooks';
import { del, get, post, put } from '../api';
import {
  ActionResult,
  Empty,
  ErrorBox,
  Field,
  formText,
  Loading,
  useAction,
  type Action,
} from '../components';
import { decider, duration, match } from '../format';
import { useResource } from '../hooks';
import type { Merchant, Rule, Scenario, ScenarioStatus } from '../types';

const ALL = '*';

/** The steps a rule can decide (scenarios/README.md, "A rule"). */
const METHODS = [
  ['', 'every payout method'],
  ['reg2reg', 'reg2reg'],
  ['reg2nonreg', 'reg2nonreg (the call that opens a payout page)'],
  ['payout-page', 'payout-page (the card number typed on it)'],
  ['p2p2nonreg', 'p2p2nonreg'],
  ['to_iban', 'to_iban'],
  ['iban_payout', 'iban_payout'],
  ['cardstorage/add', 'cardstorage/add (hosted page saves a card)'],
  ['cardstorage/3ds', 'cardstorage/3ds (issuer checks the password)'],
  ['g2g/cardstorage/add', 'g2g/cardstorage/add'],
] as const;

const MATCH_FIELDS = [
  'pg_order_id',
  'pg_merchant_id',
  'pg_user_id',
  'pg_amount',
  'pg_card_token_to',
  'pg_card_id_to',
  'pg_description',
  'pg_card_pan',
  'pg_card_name',
];

const FAULTS = [
  'http-500',
  'http-502',
  'http-503',
  'drop',
  'truncated-xml',
  'malformed-xml',
  'bad-signature',
];

export function ScenariosPage() {
  const status = useResource(() => get<ScenarioStatus>('/__sandbox/scenarios'), [], ['reset']);
  const merchants = useResource(
    () => get<{ merchants: Merchant[] }>('/__sandbox/merchants'),
    [],
    [],
  );
  // Deleting a scenario's last run-time rule removes its card: the outcome is told here.
  const deletes = useAction();
  const data = status.data;
  const merchantIds = (merchants.data?.merchants ?? []).map((m) => m.pg_merchant_id);

  return (
    <>
      <h1>Scenarios</h1>
      <p class="lede">
        What the sandbox answers is decided by scenario rules: the files in{' '}
        <code>{data?.dir ?? 'the scenarios folder'}</code>, rules added here at run time, and the
        test cards' own outcomes when no rule matches. A pinned scenario answers every request of
        its merchant (or of all merchants) without the <code>X-Sandbox-Scenario</code> header.
      </p>
      <ErrorBox error={status.error} />
      <Loading when={status.loading && data === undefined} />
      {data !== undefined ? (
        <>
          <Pins status={data} merchants={merchantIds} onChange={status.reload} />
          <AddRule onAdded={status.reload} />
          {data.problems.length > 0 ? (
            <section aria-labelledby="problems-heading">
              <h2 id="problems-heading">Problems loading the files</h2>
              <ul class="problems">
                {data.problems.map((problem, index) => (
                  <li key={index}>
                    <code>
                      {problem.file}
                      {problem.line !== undefined ? `:${problem.line}` : ''}
                    </code>{' '}
                    {problem.message}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <section aria-labelledby="loaded-heading">
            <h2 id="loaded-heading">Loaded scenarios</h2>
            <ActionResult action={deletes} />
            {data.scenarios.length === 0 ? (
              <Empty>No scenario is loaded: only the test cards decide answers.</Empty>
            ) : null}
            {[...data.scenarios]
              // The run-time rules first: they are what this test added.
              .sort((a, b) => Number(b.source === 'runtime') - Number(a.source === 'runtime'))
              .map((scenario) => (
                <ScenarioCard
                  key={scenario.name}
                  scenario={scenario}
                  pinned={Object.values(data.pinned).includes(scenario.name)}
                  action={deletes}
                  onChange={status.reload}
                />
              ))}
          </section>
        </>
      ) : null}
    </>
  );
}

function Pins({
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

/** `POST /__sandbox/scenarios` with one rule built from the form. */
function AddRule({ onAdded }: { onAdded: () => void }) {
  const action = useAction();
  return (
    <section aria-labelledby="add-rule-heading">
      <h2 id="add-rule-heading">Add a rule</h2>
      <p class="lede">
        It takes part in every request from now on, before the files' rules of equal priority, until
        you delete it or reset. Leave the outcome empty to keep the test card's and only add latency
        or a fault.
      </p>
      <form
        class="rule-form"
        aria-label="Add a rule"
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const data = new FormData(form);
          const value = (name: string): string => formText(data, name);
          const rule: Record<string, unknown> = {};
          if (value('method') !== '') rule.method = value('method');
          if (value('match_field') !== '' && value('match_value') !== '') {
            const given = value('match_value');
            const kind = value('match_kind');
            rule.match = {
              [value('match_field')]:
                kind === 'contains'
                  ? { contains: given }
                  : kind === 'regex'
                    ? { regex: given }
                    : { equals: given },
            };
          }
          if (value('outcome') !== '') rule.outcome = value('outcome');
          if (value('fault') !== '') {
            rule.fault = { type: value('fault'), when: value('fault_when') || 'after' };
          }
          if (value('latency') !== '') rule.latency = value('latency');
          if (value('times') !== '') rule.times = Number(value('times'));
          if (value('priority') !== '') rule.priority = Number(value('priority'));
          if (value('description') !== '') rule.description = value('description');
          action.run(async () => {
            const added = await post<{ rules: Rule[] }>('/__sandbox/scenarios', rule);
            onAdded();
            form.reset();
            return `Added rule ${added.rules.map((r) => r.id).join(', ')}.`;
          });
        }}
      >
        <Field label="Step">
          <select name="method">
            {METHODS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="When field">
          <select name="match_field">
            <option value="">(any request)</option>
            {MATCH_FIELDS.map((field) => (
              <option key={field} value={field}>
                {field}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Matches">
          <select name="match_kind">
            <option value="equals">is exactly</option>
            <option value="contains">contains</option>
            <option value="regex">matches the regex</option>
          </select>
        </Field>
        <Field label="Value">
          <input name="match_value" />
        </Field>
        <Field label="Outcome" hint="ok · error 10001 · process -> error 10001 after 30s">
          <input name="outcome" list="outcome-presets" />
        </Field>
        <datalist id="outcome-presets">
          <option value="ok" />
          <option value="error 10000" />
          <option value="error 10001" />
          <option value="error 8888" />
          <option value="process" />
          <option value="process -> ok after 30s" />
          <option value="process -> error 10001 after 30s" />
        </datalist>
        <Field label="Fault">
          <select name="fault">
            <option value="">none</option>
            {FAULTS.map((fault) => (
              <option key={fault} value={fault}>
                {fault}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Fault happens">
          <select name="fault_when">
            <option value="after">after the payout is made</option>
            <option value="before">before anything is made</option>
          </select>
        </Field>
        <Field label="Latency" hint="250ms, 5s, 2m">
          <input name="latency" />
        </Field>
        <Field label="Times" hint="empty: until deleted">
          <input name="times" type="number" min="1" step="1" />
        </Field>
        <Field label="Priority" hint="higher first; 0 by default">
          <input name="priority" type="number" step="1" />
        </Field>
        <Field label="Description">
          <input name="description" />
        </Field>
        <div class="form-buttons">
          <button type="submit" class="primary" disabled={action.busy}>
            Add rule
          </button>
        </div>
      </form>
      <ActionResult action={action} />
    </section>
  );
}

const PAYOUT_STEPS = [
  'reg2reg',
  'reg2nonreg',
  'payout-page',
  'p2p2nonreg',
  'to_iban',
  'iban_payout',
];

function steps(rule: Rule): string {
  const all =
    rule.methods.length === PAYOUT_STEPS.length &&
    PAYOUT_STEPS.every((step) => rule.methods.includes(step));
  return all ? 'every payout method' : rule.methods.join(', ');
}

/**
 * A scenario and its rules. The run-time rules and the pinned scenarios are open; the files'
 * scenarios are folded to one line each, so the page stays readable with many of them.
 */
function ScenarioCard({
  scenario,
  pinned,
  action,
  onChange,
}: {
  scenario: Scenario;
  pinned: boolean;
  action: Action;
  onChange: () => void;
}) {
  const runtime = scenario.source === 'runtime';
  return (
    <details class="card scenario" open={runtime || pinned} data-scenario={scenario.name}>
      <summary>
        <strong>{runtime ? 'Rules added at run time' : scenario.name}</strong>{' '}
        <span class="muted">
          {scenario.rules.length} rule{scenario.rules.length === 1 ? '' : 's'} ·{' '}
          {scenario.apply === 'always' ? 'always on' : 'when selected'}
          {pinned ? ' · pinned' : ''} · {runtime ? 'until reset' : scenario.source}
        </span>
        {scenario.description !== undefined ? (
          <span class="summary-description">{scenario.description}</span>
        ) : null}
      </summary>
      <div class="table-wrap">
        <table class="list">
          <caption class="visually-hidden">Rules of {scenario.name}</caption>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Steps</th>
              <th scope="col">When</th>
              <th scope="col">Answers</th>
              <th scope="col">Also</th>
              {runtime ? <th scope="col">Delete</th> : null}
            </tr>
          </thead>
          <tbody>
            {scenario.rules.map((rule) => (
              <tr key={rule.id} data-rule-id={rule.id}>
                <td>
                  <code>{rule.id}</code>
                  {rule.description !== undefined ? (
                    <span class="hint">{rule.description}</span>
                  ) : null}
                </td>
                <td>{steps(rule)}</td>
                <td class="break">{match(rule)}</td>
                <td class="break">{decider(rule.decider)}</td>
                <td class="break">{extras(rule)}</td>
                {runtime ? (
                  <td>
                    <button
                      type="button"
                      class="danger"
                      disabled={action.busy}
                      onClick={() =>
                        action.run(async () => {
                          await del(`/__sandbox/scenarios/rules/${encodeURIComponent(rule.id)}`);
                          onChange();
                          return `Deleted rule ${rule.id}.`;
                        })
                      }
                    >
                      Delete<span class="visually-hidden"> rule {rule.id}</span>
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function extras(rule: Rule): string {
  const parts: string[] = [];
  if (rule.priority !== 0) parts.push(`priority ${rule.priority}`);
  if (rule.probability !== undefined)
    parts.push(`${Math.round(rule.probability * 100)}% of matches`);
  if (rule.times !== undefined) parts.push(`${rule.times} times`);
  if (rule.latencyMs !== undefined) parts.push(`latency ${duration(rule.latencyMs)}`);
  if (rule.fault !== undefined) parts.push(`fault ${rule.fault.type} (${rule.fault.when})`);
  if (rule.postback !== undefined) parts.push(`postback ${JSON.stringify(rule.postback)}`);
  return parts.join(' · ');
}
