/**
 * The documented payout test cards (docs/gateway/payouts.md §5) as saved cards. The real gateway only
 * knows a card after the user saved it; the sandbox has these saved for every `pg_user_id`, with
 * stable tokens and ids, so integrators can copy them from the README.
 */

export type CardOutcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'error'; readonly code: number }
  | { readonly kind: 'process'; readonly then: 'ok' | { readonly errorCode: number } };

export interface TestCard {
  readonly pan: string;
  /** `pg_card_token_to` (modern docs). */
  readonly token: string;
  /** `pg_card_id_to` (legacy PayBox SDK). */
  readonly id: number;
  readonly outcome: CardOutcome;
  readonly documented: string;
}

export const TEST_CARDS: readonly TestCard[] = [
  {
    pan: '4671593866478252',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000001',
    id: 1001,
    outcome: { kind: 'ok' },
    documented: 'success',
  },
  {
    pan: '5325349472901311',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000002',
    id: 1002,
    outcome: { kind: 'error', code: 10000 },
    documented: 'error 10000',
  },
  {
    pan: '4556046085041740',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000003',
    id: 1003,
    outcome: { kind: 'error', code: 10001 },
    documented: 'error 10001',
  },
  {
    pan: '5543974702876045',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000004',
    id: 1004,
    outcome: { kind: 'error', code: 8888 },
    documented: 'error 8888',
  },
  {
    pan: '5507841999732294',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000005',
    id: 1005,
    outcome: { kind: 'process', then: 'ok' },
    documented: 'process, later success',
  },
  {
    pan: '4532676596620704',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000006',
    id: 1006,
    outcome: { kind: 'process', then: { errorCode: 10001 } },
    documented: 'process, later error 10001',
  },
  {
    pan: '6204500338419360939',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000007',
    id: 1007,
    outcome: { kind: 'ok' },
    documented: 'success',
  },
  {
    pan: '629656013969216940',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000008',
    id: 1008,
    outcome: { kind: 'ok' },
    documented: 'success',
  },
  {
    pan: '62861819783765929',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000009',
    id: 1009,
    outcome: { kind: 'ok' },
    documented: 'success',
  },
];

const byToken = new Map(TEST_CARDS.map((card) => [card.token, card]));
const byId = new Map(TEST_CARDS.map((card) => [String(card.id), card]));

export interface CardReference {
  readonly token?: string;
  readonly id?: string;
}

/** A token wins over an id when both are sent (the legacy SDK sends an id, newer clients a token). */
export function findCard(ref: CardReference): TestCard | undefined {
  if (ref.token !== undefined) return byToken.get(ref.token.toLowerCase());
  if (ref.id !== undefined) return byId.get(ref.id);
  return undefined;
}

// Moved to card.ts with the other masks; re-exported so existing imports keep working.
export { cardHash } from './card.js';
