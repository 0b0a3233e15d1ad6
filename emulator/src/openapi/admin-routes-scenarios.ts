import { JOURNAL_LIMITS } from '../gateway/journal.js';
import {
  ADMIN_TAGS,
  type AdminRoute,
  boolean,
  integer,
  limitParameter,
  list,
  object,
} from './admin-shared.js';
import { queryParameter, ref, text } from './schema.js';

/** The admin routes of scenarios, reset and the request journal. */
export const SCENARIO_ROUTES: readonly AdminRoute[] = [
  {
    method: 'get',
    path: '/__sandbox/scenarios',
    id: 'list_scenarios',
    tag: ADMIN_TAGS.scenarios,
    summary: 'Loaded scenarios, their rules, load problems and pins',
    ok: {
      status: 200,
      description: 'The scenarios.',
      schema: object(
        {
          dir: text('The scenarios folder, when there is one.'),
          scenarios: list(ref('Scenario')),
          problems: list(
            object(
              {
                file: text('The file.'),
                line: integer('Line.'),
                column: integer('Column.'),
                message: text('What to fix.'),
              },
              ['file', 'message'],
              { additionalProperties: true },
            ),
          ),
          pinned: ref('Pins'),
        },
        ['scenarios', 'problems', 'pinned'],
      ),
    },
  },
  {
    method: 'put',
    path: '/__sandbox/scenarios/active',
    id: 'pin_scenario',
    tag: ADMIN_TAGS.scenarios,
    summary: 'Pin a scenario, for all merchants or one',
    body: {
      ...object(
        {
          name: text('The scenario.'),
          merchant_id: { type: ['string', 'integer'], description: 'Only for this merchant.' },
        },
        ['name'],
      ),
      example: { name: 'gateway-down' },
    },
    ok: {
      status: 200,
      description: 'The pins now.',
      schema: object({ pinned: ref('Pins') }, ['pinned']),
    },
    errors: ['bad-request', 'not-found'],
  },
  {
    method: 'delete',
    path: '/__sandbox/scenarios/active',
    id: 'unpin_scenario',
    tag: ADMIN_TAGS.scenarios,
    summary: "Unpin (all pins, or one merchant's)",
    query: [queryParameter('merchant_id', "Only this merchant's pin.")],
    ok: {
      status: 200,
      description: 'The pins now.',
      schema: object({ pinned: ref('Pins') }, ['pinned']),
    },
  },
  {
    method: 'post',
    path: '/__sandbox/scenarios',
    id: 'add_rules',
    tag: ADMIN_TAGS.scenarios,
    summary: 'Add a rule (or several) at run time',
    description:
      'One rule, or {"rules": [...]}. Run-time rules come before the files\' rules of the same priority; a reset removes them.',
    body: {
      anyOf: [ref('ScenarioRule'), object({ rules: list(ref('ScenarioRule')) }, ['rules'])],
      example: { match: { pg_amount: { min: 5000 } }, outcome: 'error 10000' },
    },
    ok: {
      status: 201,
      description: 'The rules added, with their ids.',
      schema: object({ rules: list(ref('DescribedRule')) }, ['rules']),
    },
    errors: ['bad-request'],
  },
  {
    method: 'delete',
    path: '/__sandbox/scenarios/rules/*id',
    id: 'remove_rule',
    tag: ADMIN_TAGS.scenarios,
    summary: 'Remove a run-time rule by its id',
    description:
      "The id as GET /__sandbox/scenarios shows it (runtime#1 sent as runtime%231; runtime/slow as it is or with %2F). A file's rule: 409, edit the file.",
    ok: {
      status: 200,
      description: 'The rules removed.',
      schema: object({ removed: list(ref('DescribedRule')) }, ['removed']),
    },
    errors: ['not-found', 'conflict'],
  },
  {
    method: 'post',
    path: '/__sandbox/reset',
    id: 'reset',
    tag: ADMIN_TAGS.scenarios,
    summary: 'Back to the scenario files (and, with data, to an empty store)',
    body: {
      ...object(
        {
          data: boolean('Also clear payouts, postbacks, saved cards, card sessions and balances.'),
        },
        [],
        {
          additionalProperties: false,
        },
      ),
      example: { data: true },
    },
    writes: true,
    ok: { status: 200, description: 'What was cleared.', schema: ref('ResetAnswer') },
    errors: ['bad-request'],
  },
  {
    method: 'get',
    path: '/__sandbox/requests',
    id: 'list_requests',
    tag: ADMIN_TAGS.scenarios,
    summary: 'The request journal, newest first: which rule answered each request, and why',
    query: [
      queryParameter('path', 'The path as requested, e.g. /api/reg2reg.'),
      queryParameter('merchant_id', "Only this merchant's."),
      queryParameter('order_id', "Only this order's."),
      queryParameter('outcome', '`error 1100`, or `error` for every error.'),
      limitParameter(JOURNAL_LIMITS.entries),
      queryParameter('cursor', 'The next_cursor of the previous page.', {
        pattern: '^[0-9]{1,15}$',
      }),
    ],
    ok: { status: 200, description: 'A page of entries.', schema: ref('RequestPage') },
    errors: ['bad-request'],
  },
];
