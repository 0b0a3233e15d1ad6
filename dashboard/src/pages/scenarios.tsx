import { get } from '../api';
import { ActionResult, Empty, ErrorBox, Loading, useAction } from '../components';
import { useResource } from '../hooks';
import type { Merchant, ScenarioStatus } from '../types';
import { AddRule } from './scenario-add-rule';
import { ScenarioCard } from './scenario-card';
import { Pins } from './scenario-pins';

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
