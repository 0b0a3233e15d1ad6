import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Merchant } from '../merchants/merchants.js';
import { parseAmount } from '../payouts/payout.js';
import { ConfigError } from './config-error.js';
import { amountText, integerText } from './text-schemas.js';

/** The merchants file (`SANDBOX_MERCHANTS`), and how its merchants join the default one. */

const merchantsFileSchema = z.object({
  merchants: z
    .array(
      z.object({
        id: z.union([z.number().int().nonnegative(), integerText]).transform(String),
        secretKey: z.string().min(1, 'must not be empty'),
        paymentSecretKey: z.string().min(1, 'must not be empty').optional(),
        openingBalance: z
          .union([z.number().nonnegative(), amountText])
          .transform(String)
          .optional(),
      }),
    )
    .min(1, 'must list at least one merchant'),
});

/**
 * A merchant as a merchants file or `startSandbox()` gives it: without a payment key it gets the
 * default merchant's (SANDBOX_PAYMENT_SECRET_KEY, `sandbox-payment-secret` unless set).
 */
export type MerchantEntry = Omit<Merchant, 'paymentSecretKey'> & {
  readonly paymentSecretKey?: string;
};

/**
 * The document in a JSON (by its `.json` name) or YAML file. `name` says how the messages call
 * the file when it cannot be read and when it cannot be parsed; `advice` ends the first.
 */
export function readJsonOrYaml(
  path: string,
  name: { unreadable: string; invalid: string },
  advice = '',
): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `${name.unreadable} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})${advice}`,
    ]);
  }
  try {
    return extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError([
      `${name.invalid} is not valid JSON or YAML: ${(error as Error).message}`,
    ]);
  }
}

export function readMerchantsFile(
  path: string,
  fallback: Merchant,
  named: (key: string) => string,
): MerchantEntry[] {
  const document = readJsonOrYaml(
    path,
    { unreadable: `${named('SANDBOX_MERCHANTS')}=${JSON.stringify(path)}`, invalid: path },
    '; give the path of a JSON or YAML merchants file',
  );
  const parsed = merchantsFileSchema.safeParse(document);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) => `${path}: ${issue.path.join('.') || '(top)'} ${issue.message}`,
      ),
    );
  }
  return parsed.data.merchants.map((entry) => ({
    id: entry.id,
    secretKey: entry.secretKey,
    ...(entry.paymentSecretKey !== undefined ? { paymentSecretKey: entry.paymentSecretKey } : {}),
    openingBalanceMinor:
      entry.openingBalance === undefined
        ? fallback.openingBalanceMinor
        : (parseAmount(entry.openingBalance) ?? 0),
  }));
}

/**
 * The env merchant plus the file's; one id with two different keys of a kind is refused, not
 * guessed. An entry without a payment key gets the default merchant's.
 */
export function mergeMerchants(
  defaultMerchant: Merchant,
  fromFile: MerchantEntry[],
  named: (key: string) => string,
): Merchant[] {
  const problems: string[] = [];
  const byId = new Map<string, Merchant>([[defaultMerchant.id, defaultMerchant]]);
  const seenInFile = new Set<string>();
  for (const entry of fromFile) {
    const merchant: Merchant = {
      ...entry,
      paymentSecretKey: entry.paymentSecretKey ?? defaultMerchant.paymentSecretKey,
    };
    if (seenInFile.has(merchant.id)) {
      problems.push(
        `merchant ${merchant.id} is listed twice in the merchants file (${named('SANDBOX_MERCHANTS')}); keep one entry`,
      );
      continue;
    }
    seenInFile.add(merchant.id);
    const existing = byId.get(merchant.id);
    if (existing && existing.secretKey !== merchant.secretKey) {
      problems.push(
        `merchant ${merchant.id} has one secret key in ${named('SANDBOX_SECRET_KEY')} and another in the merchants file (${named('SANDBOX_MERCHANTS')}); make them equal or use another ${named('SANDBOX_MERCHANT_ID')}`,
      );
      continue;
    }
    if (existing && existing.paymentSecretKey !== merchant.paymentSecretKey) {
      problems.push(
        `merchant ${merchant.id} has one payment key in ${named('SANDBOX_PAYMENT_SECRET_KEY')} and another (paymentSecretKey) in the merchants file (${named('SANDBOX_MERCHANTS')}); make them equal, leave paymentSecretKey out, or use another ${named('SANDBOX_MERCHANT_ID')}`,
      );
      continue;
    }
    byId.set(merchant.id, merchant);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return [...byId.values()];
}
