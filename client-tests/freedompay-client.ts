import { createHash, randomBytes } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';

/**
 * A small reference client of the Freedom Pay payout API, written from the public rule
 * (freedompay-api.md §2) and not from the emulator's code, so the contract tests check two
 * independent implementations against each other.
 */
export interface ClientOptions {
  readonly baseUrl: string;
  readonly merchantId: string;
  readonly secretKey: string;
}

export type Answer = Record<string, string>;

export interface SignedAnswer {
  readonly fields: Answer;
  /** Whether `pg_sig` verified with the merchant's key; `undefined` when the answer has none. */
  readonly signatureValid: boolean | undefined;
  readonly hint: string | undefined;
}

export function freedomPaySignature(
  script: string,
  fields: Readonly<Record<string, string>>,
  secretKey: string,
): string {
  const values = Object.keys(fields)
    .filter((key) => key !== 'pg_sig')
    .sort()
    .map((key) => fields[key]);
  return createHash('md5')
    .update([script, ...values, secretKey].join(';'), 'utf8')
    .digest('hex');
}

const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: true, trimValues: false });

export class FreedomPayClient {
  constructor(private readonly options: ClientOptions) {}

  /** `POST /api/reg2reg`: pays out to a saved card. */
  reg2reg(params: {
    orderId: string;
    amount: string;
    userId: string;
    cardToken: string;
    description: string;
    postLink: string;
    orderTimeLimit: string;
    extra?: Record<string, string>;
  }): Promise<SignedAnswer> {
    return this.call('/api/reg2reg', {
      pg_order_id: params.orderId,
      pg_amount: params.amount,
      pg_user_id: params.userId,
      pg_card_token_to: params.cardToken,
      pg_description: params.description,
      pg_post_link: params.postLink,
      pg_order_time_limit: params.orderTimeLimit,
      ...params.extra,
    });
  }

  /** Signs and sends any method as multipart/form-data, and verifies the signed answer. */
  async call(path: string, fields: Record<string, string>): Promise<SignedAnswer> {
    const script = path.slice(path.lastIndexOf('/') + 1);
    const request: Record<string, string> = {
      pg_merchant_id: this.options.merchantId,
      pg_salt: randomBytes(16).toString('hex'),
      ...fields,
    };
    request.pg_sig = freedomPaySignature(script, request, this.options.secretKey);
    const form = new FormData();
    for (const [name, value] of Object.entries(request)) form.append(name, value);
    const response = await fetch(new URL(path, this.options.baseUrl), {
      method: 'POST',
      body: form,
    });
    const text = await response.text();
    if (response.status !== 200) {
      throw new Error(`${path} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    }
    const document = parser.parse(text) as { response?: Answer };
    if (!document.response) throw new Error(`${path} answered something that is not XML: ${text}`);
    const answer = document.response;
    return {
      fields: answer,
      signatureValid:
        answer.pg_sig === undefined
          ? undefined
          : freedomPaySignature(script, answer, this.options.secretKey) === answer.pg_sig,
      hint: response.headers.get('x-sandbox-hint') ?? undefined,
    };
  }
}
