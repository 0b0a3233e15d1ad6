import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MERCHANT_ID, PAYOUT_SECRET } from './settings.js';

/**
 * The merchants a load signs its payouts for. Most rows use the default merchant alone; the
 * "N merchants" PostgreSQL rows spread their payouts over several, each signed with its own
 * payout key, so that payouts of different merchants, which take different balance locks, are
 * measured beside one merchant's payouts that take turns on one lock.
 */
export interface BenchMerchant {
  readonly id: string;
  /** Its payout key (`secretKey` in the merchants file): its requests are signed with it. */
  readonly secretKey: string;
}

export const DEFAULT_MERCHANTS: readonly BenchMerchant[] = [
  { id: MERCHANT_ID, secretKey: PAYOUT_SECRET },
];

/** The default merchant and `count - 1` more, each with a key of its own. */
export function benchMerchants(count: number): readonly BenchMerchant[] {
  const more = Array.from({ length: Math.max(0, count - 1) }, (_, i) => ({
    id: String(200_001 + i),
    secretKey: `bench-merchant-${200_001 + i}-payout-key`,
  }));
  return [...DEFAULT_MERCHANTS, ...more];
}

/**
 * Writes the merchants file (SANDBOX_MERCHANTS) for the merchants other than the default one
 * (the sandbox has that one from its environment), each with the bench's opening balance so no
 * payout is refused for its amount; returns its path.
 */
export function writeMerchantsFile(
  dir: string,
  merchants: readonly BenchMerchant[],
  openingBalance: string,
): string {
  const path = join(dir, 'bench-merchants.json');
  const listed = merchants
    .filter((merchant) => merchant.id !== MERCHANT_ID)
    .map((merchant) => ({ id: merchant.id, secretKey: merchant.secretKey, openingBalance }));
  writeFileSync(path, `${JSON.stringify({ merchants: listed }, null, 2)}\n`);
  return path;
}
