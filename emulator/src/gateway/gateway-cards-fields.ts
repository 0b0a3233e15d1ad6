import type { CardField, CardInputErrors } from '../cards/card-input.js';
import { GATEWAY_INTEGER, USER_ID } from '../payouts/request.js';
import type { Fields } from '../signature/signature.js';
import type { GatewayCall } from './envelope.js';

/** How the Gateway's card methods (gateway-cards.ts) read the fields of a call. */

/** The card input's fields under their wire names, so an error names what the merchant sent. */
const WIRE_NAMES: Record<CardField, string> = {
  pan: 'pg_card_pan',
  holder: 'pg_card_name',
  month: 'pg_card_month',
  year: 'pg_card_year',
  cvc: 'pg_card_cvc',
};

export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

/** Reads single text values off a call, collecting what is wrong with them. */
export class FieldReader {
  readonly problems: FieldProblem[] = [];

  constructor(private readonly fields: Fields) {}

  text(name: string): string | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.problems.push({ field: name, problem: 'must be sent once, as a single value' });
      return undefined;
    }
    return value;
  }

  required(name: string, why = 'is required'): string {
    const value = this.text(name);
    if (value === undefined || value.trim() === '') {
      if (!this.problems.some((p) => p.field === name)) {
        this.problems.push({ field: name, problem: why });
      }
      return '';
    }
    return value;
  }

  userId(): string {
    const userId = this.required('pg_user_id');
    if (userId !== '' && !USER_ID.test(userId)) {
      this.problems.push({
        field: 'pg_user_id',
        problem:
          'must be 1-50 characters of Latin letters, digits, "_" or "-" (reg2reg takes no other, so a card saved for it could not be paid out to)',
      });
    }
    return userId;
  }

  integer(name: string): number | undefined {
    const text = this.required(name);
    if (text === '') return undefined;
    if (!GATEWAY_INTEGER.test(text)) {
      this.problems.push({ field: name, problem: 'must be an integer' });
      return undefined;
    }
    return Number(text);
  }

  /** Problems as one text: `pg_card_pan: The card number …; pg_user_id: is required`. */
  describe(): string {
    return this.problems.map((p) => `${p.field}: ${p.problem}`).join('; ');
  }
}

export function cardProblems(errors: CardInputErrors): FieldProblem[] {
  return (Object.keys(WIRE_NAMES) as CardField[])
    .filter((field) => errors[field] !== undefined)
    .map((field) => ({ field: WIRE_NAMES[field], problem: errors[field] ?? '' }));
}

export function contextOf(call: GatewayCall): { scenarioHeader?: string } {
  return call.scenarioHeader !== undefined ? { scenarioHeader: call.scenarioHeader } : {};
}
