import type { Faker } from '@faker-js/faker';
import { faker as sharedFaker } from '@faker-js/faker/locale/base';
import { describe, expect, it } from 'vitest';
import { createRandomness } from './randomness.js';

const FakerClass = sharedFaker.constructor as typeof Faker;

describe('salts', () => {
  it('are the ones faker.string.alphanumeric(16) draws for the same seed', () => {
    for (const seed of [1, 7, 42, 2_147_483_646]) {
      const randomness = createRandomness(seed);
      const faker = new FakerClass({ locale: [sharedFaker.rawDefinitions] });
      faker.seed(seed);
      for (let i = 0; i < 50; i++) expect(randomness.salt()).toBe(faker.string.alphanumeric(16));
    }
  });
});
