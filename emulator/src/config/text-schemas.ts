import { z } from 'zod';
import { parseAmount } from '../payouts/payout.js';

/** Values that arrive as text in variables, flags and files, checked as text. */
export const integerText = z.string().regex(/^[0-9]+$/, 'must be a whole number');
export const amountText = z
  .string()
  .refine((text) => parseAmount(text) !== undefined, 'must be an amount like 1000000.00');
