import { describe, expect, it } from 'vitest';
import {
  CardAlreadyDeletedError,
  cardHash,
  cardHhash,
  cardMask,
  createSavedCard,
  deleteCard,
  gatewayListHash,
  type NewSavedCard,
} from './card.js';
import { cardHash as cardHashFromTestCards } from './test-cards.js';

describe('masked card numbers (docs/gateway/card-storage.md §5, §6, §10)', () => {
  it.each([
    // pan, pg_card_hash / pg_card_mask, /g2g/cardstorage/list pg_card_hash
    ['4400430000001358', '4400-43XX-XXXX-1358', '440043-XXXXXX-1358'],
    ['4111111111111111', '4111-11XX-XXXX-1111', '411111-XXXXXX-1111'],
    ['6224466455690681278', '622446XXXXXXXXX1278', '622446-XXXXXXXXX-1278'],
    ['623275279933273424', '623275XXXXXXXX3424', '623275-XXXXXXXX-3424'],
    ['62528733472390953', '625287XXXXXXX0953', '625287-XXXXXXX-0953'],
    ['4222222222222', '422222XXX2222', '422222-XXX-2222'],
  ])('%s is shown as %s, and in the Gateway list as %s', (pan, hash, listHash) => {
    expect(cardHash(pan)).toBe(hash);
    expect(cardMask(pan)).toBe(hash);
    expect(gatewayListHash(pan)).toBe(listHash);
  });

  it('keeps cardHash importable from test-cards.ts, where other modules import it', () => {
    expect(cardHashFromTestCards).toBe(cardHash);
  });
});

describe('the card fingerprint (pg_card_hhash)', () => {
  it('is 32 lowercase hex digits, the same for the same number every time', () => {
    const hhash = cardHhash('4716047261941981');
    expect(hhash).toMatch(/^[0-9a-f]{32}$/);
    expect(cardHhash('4716047261941981')).toBe(hhash);
  });

  it('differs between numbers and is not the bare MD5 of the number', () => {
    expect(cardHhash('4716047261941981')).not.toBe(cardHhash('4939770956154989'));
    // md5('4716047261941981'), which anyone could look up.
    expect(cardHhash('4716047261941981')).not.toBe('801c768b36afb1241b75cb4ad8b6e855');
  });
});

const input: NewSavedCard = {
  token: 'c0ffee00-0000-4000-8000-000000000001',
  id: 1010,
  merchantId: '550001',
  userId: 'user-1',
  pan: '4716047261941981',
  holder: 'IVAN PETROV',
  month: '02',
  year: '29',
  bank: 'АО "Halyk Bank"',
  country: 'KZ',
  threeDs: false,
  createdAt: '2026-03-01T10:00:00.000Z',
  payoutOnly: false,
  sessionId: 1_200_000_001,
};

describe('a saved card', () => {
  it('is approved when created, with its hash and fingerprint derived from the number', () => {
    const card = createSavedCard(input);
    expect(card).toMatchObject({ ...input, status: 'approved' });
    expect(card.hash).toBe('4716-04XX-XXXX-1981');
    expect(card.hhash).toBe(cardHhash(input.pan));
    expect(card.deletedAt).toBeUndefined();
  });

  it('is kept when removed, marked deleted with the time', () => {
    const card = createSavedCard(input);
    const removed = deleteCard(card, '2026-03-02T00:00:00.000Z');
    expect(removed).toEqual({ ...card, status: 'deleted', deletedAt: '2026-03-02T00:00:00.000Z' });
    expect(card.status).toBe('approved');
  });

  it('cannot be removed twice: the caller checks the status and answers with an error', () => {
    const removed = deleteCard(createSavedCard(input), '2026-03-02T00:00:00.000Z');
    expect(() => deleteCard(removed, '2026-03-03T00:00:00.000Z')).toThrow(CardAlreadyDeletedError);
  });
});
