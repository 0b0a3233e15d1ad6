import { del } from '../api';
import type { Action } from '../components';
import { decider, duration, match } from '../format';
import type { Rule, Scenario } from '../types';

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
export function ScenarioCard({
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
