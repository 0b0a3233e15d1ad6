import { post } from '../api';
import { ActionResult, Field, formText, useAction } from '../components';
import type { Rule } from '../types';
import { FAULTS, MATCH_FIELDS, METHODS } from './scenario-rule-options';

/** `POST /__sandbox/scenarios` with one rule built from the form. */
export function AddRule({ onAdded }: { onAdded: () => void }) {
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
