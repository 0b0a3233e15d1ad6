import type { Faker } from '@faker-js/faker';
// The base locale holds no data tables: importing it costs ~9 ms of start-up where the full
// package costs ~95 ms, and ids and salts need no locale. It exports only a shared instance, so
// each sandbox builds its own from that instance's class: several sandboxes in one process
// (parallel test files) then never draw from each other's stream.
import { faker as sharedFaker } from '@faker-js/faker/locale/base';

const FakerClass = sharedFaker.constructor as typeof Faker;

/**
 * What the gateway invents (payment ids, salts) comes from a Faker seeded by `SANDBOX_SEED`, so a
 * run with the same seed and the same requests gives the same ids and answers (docs/style.md
 * principle 7).
 */
export interface Randomness {
  readonly seed: number;
  /** A fresh `pg_salt`: 16 Latin letters and digits, as the PHP SDK makes them. */
  salt(): string;
  /** The next payment id after `last`: increasing, with the gaps other merchants' payments leave. */
  nextPaymentId(last: number): number;
  /** A uniform draw in [0, 1) for scenario probabilities and weights. */
  draw(): number;
  /** A uniform draw in [0, 1) for saved cards' tokens and page ids: a stream of its own. */
  idDraw(): number;
}

/**
 * `faker.string.alphanumeric`'s characters, in its order: it builds and filters this list on
 * every call, a third of the time of a salt. Drawing from it gives the same salts for a seed.
 */
const SALT_CHARACTERS: readonly string[] = [
  ...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
];

/** Where payment ids start on an empty store: ten digits, like the gateway's. */
const FIRST_PAYMENT_ID_RANGE = { min: 1_200_000_000, max: 1_299_999_999 } as const;

export function createRandomness(seed: number): Randomness {
  const faker = new FakerClass({ locale: [sharedFaker.rawDefinitions] });
  faker.seed(seed);
  // Scenario draws get a stream of their own, so how many salts a run drew (which depends on
  // how many answers were signed) never shifts which requests a probability picks.
  const scenarioFaker = new FakerClass({ locale: [sharedFaker.rawDefinitions] });
  scenarioFaker.seed([seed, 1]);
  // Card tokens and page ids too: saving a card never shifts payment ids, salts or draws.
  const idFaker = new FakerClass({ locale: [sharedFaker.rawDefinitions] });
  idFaker.seed([seed, 2]);
  return {
    draw: () => scenarioFaker.number.float({ min: 0, max: 1 }) % 1,
    idDraw: () => idFaker.number.float({ min: 0, max: 1 }) % 1,
    seed,
    salt: () => faker.string.fromCharacters(SALT_CHARACTERS, 16),
    nextPaymentId: (last) =>
      last === 0
        ? faker.number.int(FIRST_PAYMENT_ID_RANGE)
        : last + faker.number.int({ min: 1, max: 40 }),
  };
}

/** A seed for a run that did not ask for one; printed at start so the run can be repeated. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2_147_483_647);
}
