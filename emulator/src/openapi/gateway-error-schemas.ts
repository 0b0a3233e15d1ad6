import { allGatewayErrors, GatewayErrors, type GatewayErrorSpec } from '../errors.js';
import { type Json, ref, text } from './schema.js';

export function describeCodes(extra: readonly number[]): string {
  const codes = [
    GatewayErrors.merchantNotIdentified.code,
    GatewayErrors.invalidSignature.code,
    GatewayErrors.invalidParameters.code,
    GatewayErrors.systemError.code,
    ...extra,
  ];
  return `${codes.join(', ')} (GatewayErrorCode says what each means); a scenario rule may answer any code`;
}

/** The error envelope and the catalogue's codes (errors.ts), each with its meaning. */
export function errorSchemas(): Record<string, Json> {
  const catalogue = allGatewayErrors();
  const row = (spec: GatewayErrorSpec): string =>
    `| ${spec.code} | ${spec.description} | ${spec.kind === 'request' ? 'refusal: no payment was made' : 'decline: the payment exists'} | ${spec.signed ? 'yes' : 'no'} |${spec.invented ? ' invented (docs/decisions/0004) |' : ' |'}`;
  return {
    GatewayErrorCode: {
      type: 'string',
      title: 'The error catalogue',
      description: [
        'Every pg_error_code the sandbox answers with, from its one catalogue (emulator/src/errors.ts; docs/gateway/errors.md).',
        '',
        '| Code | Description | Kind | Signed | |',
        '|---|---|---|---|---|',
        ...catalogue.map(row),
      ].join('\n'),
      enum: catalogue.map((spec) => String(spec.code)),
      'x-enumDescriptions': Object.fromEntries(
        catalogue.map((spec) => [String(spec.code), spec.description]),
      ),
    },
    ScriptedErrorCode: {
      type: 'string',
      description:
        'A code outside the catalogue that a scenario rule scripts ("error <code>"), with its own or an empty description.',
      pattern: '^[1-9][0-9]{0,8}$',
    },
    GatewayError: {
      title: 'The error envelope',
      description: `A refused request (docs/gateway/errors.md §1): signed like any answer, except ${GatewayErrors.merchantNotIdentified.code} (merchant unknown, or a body that could not be read), ${GatewayErrors.invalidMerchantNumber.code} and ${GatewayErrors.unknownMethod.code}, which carry no pg_salt or pg_sig. The children of <response>, in this order.`,
      type: 'object',
      xml: { name: 'response' },
      required: ['pg_status', 'pg_error_code', 'pg_error_description', 'pg_datetime'],
      properties: {
        pg_status: { type: 'string', enum: ['error'] },
        pg_error_code: {
          anyOf: [ref('GatewayErrorCode'), ref('ScriptedErrorCode')],
        },
        pg_error_description: text(
          'The catalogue\'s description; 9403 names every bad field after a colon ("Incorrectly passed input parameters: pg_amount must be …").',
        ),
        pg_datetime: text('When the gateway answered, ISO 8601 UTC.'),
        pg_salt: text('A fresh random string (signed answers only).'),
        pg_sig: text(
          "The answer's signature: the request's script name and key (signed answers only).",
        ),
      },
      example: {
        pg_status: 'error',
        pg_error_code: '1100',
        pg_error_description: 'Invalid request signature',
        pg_datetime: '2026-01-15T10:00:00Z',
        pg_salt: 'Zq3xY8wV1uT6sR2p',
        pg_sig: '0ee6c1e2d3b4a5968778695a4b3c2d1e',
      },
    },
  };
}
