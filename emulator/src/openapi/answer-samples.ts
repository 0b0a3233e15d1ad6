import type { CardSession } from '../cards/card-session.js';
import type { SavedCard } from '../cards/card.js';
import { FIELDS_AFTER_SIGNATURE } from '../gateway/render.js';
import {
  type Payout,
  type PayoutDestination,
  type PayoutMethod,
  type PayoutStatus,
} from '../payouts/payout.js';

/** Sample records in every state a gateway answer can show; the answer schemas are rendered from these. */
export const AT = '2026-01-15T10:00:00.000Z';
export const LATER = '2026-01-15T10:00:05.000Z';
export const ORIGIN = 'http://127.0.0.1:4010';
export const TOKEN = '7a3e1a7c-5b0f-4b8e-9d4f-000000000001';

export const DESTINATIONS: Record<PayoutDestination['kind'], PayoutDestination> = {
  'saved-card': { kind: 'saved-card', token: TOKEN, cardId: 1001, hash: '4671-59XX-XXXX-8252' },
  'card-number': { kind: 'card-number', pan: '4671593866478252', hash: '4671-59XX-XXXX-8252' },
  'payout-page': {
    kind: 'payout-page',
    viewId: '0f3c5b7d9e1a2c4e6f8091a2b3c4d5e6',
    backLink: 'https://merchant.example/payout/done',
    pan: '4671593866478252',
    hash: '4671-59XX-XXXX-8252',
  },
  iban: {
    kind: 'iban',
    iban: 'KZ85125KZT0000000001',
    name: 'IVAN PETROV',
    iin: '900101300123',
    bik: 'KZZSAE',
  },
};

/** A payout in each state a method can show: the answers are rendered from these. */
export function samplePayouts(method: PayoutMethod, kind: PayoutDestination['kind']): Payout[] {
  const states: { status: PayoutStatus; code?: number; description?: string }[] = [
    { status: 'waiting' },
    { status: 'process' },
    { status: 'ok' },
    { status: 'error', code: 10001, description: 'Payment error. Contact the issuing bank' },
    { status: 'error', code: 360, description: 'Transaction expired' },
  ];
  return states.map(({ status, code, description }) => ({
    paymentId: 1241702200,
    merchantId: '100001',
    orderId: 'order-2026-0001',
    userId: '42',
    amountMinor: 150_050,
    method,
    destination: DESTINATIONS[kind],
    postLink: 'https://merchant.example/payout/notify',
    orderTimeLimit: '2030-12-31 23:59:59',
    status,
    ...(code !== undefined ? { error: { code, description: description ?? '' } } : {}),
    createdAt: AT,
    updatedAt: LATER,
    history: [],
    balanceAfterMinor: 99_849_950,
    request: {},
    answerSeal: { salt: 'a1b2c3d4e5f60718', origin: ORIGIN },
  }));
}

export const CARD: SavedCard = {
  token: TOKEN,
  id: 1001,
  merchantId: '100001',
  userId: '42',
  pan: '4716047261941981',
  holder: 'IVAN PETROV',
  month: '12',
  year: '29',
  hash: '4716-04XX-XXXX-1981',
  hhash: '0123456789abcdef0123456789abcdef',
  bank: 'АО «Sandbox Bank»',
  country: 'KZ',
  threeDs: false,
  status: 'approved',
  createdAt: AT,
  payoutOnly: false,
};

export const SESSION: CardSession = {
  paymentId: 1253150432,
  merchantId: '100001',
  userId: '42',
  orderId: 'cards-42',
  postLink: '',
  backLink: '',
  variant: 'gateway',
  state: 'approved',
  createdAt: AT,
  updatedAt: AT,
  history: [],
  viewId: 'a3f5df308f10c1466e468b9182201e2a',
};

/** The signature's two fields end every signed answer. */
export function signed(
  fields: Record<string, string>,
  after: readonly string[] = [],
): Record<string, string> {
  const before = Object.fromEntries(
    Object.entries(fields).filter(([name]) => !after.includes(name)),
  );
  const last = Object.fromEntries(Object.entries(fields).filter(([name]) => after.includes(name)));
  return {
    ...before,
    pg_salt: 'Zq3xY8wV1uT6sR2p',
    pg_sig: '55f8c1e2d3b4a5968778695a4b3c2d1e',
    ...last,
  };
}

export function payoutVariants(
  method: PayoutMethod,
  kind: PayoutDestination['kind'],
  render: (payout: Payout) => Record<string, string>,
  states: readonly PayoutStatus[] = ['process', 'ok', 'error'],
): Record<string, string>[] {
  return samplePayouts(method, kind)
    .filter((payout) => states.includes(payout.status))
    .map((payout) => signed(render(payout), FIELDS_AFTER_SIGNATURE[method] ?? []));
}
