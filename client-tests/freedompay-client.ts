import { createHash, randomBytes } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';

/**
 * A small reference client of the Freedom Pay payout API, written from the public rule
 * (docs/gateway/signature.md §1) and not from the emulator's code, so the contract tests check two
 * independent implementations against each other. It signs requests, sends them as multipart,
 * parses and verifies the signed XML answers, and verifies incoming postbacks.
 */
export interface ClientOptions {
  readonly baseUrl: string;
  readonly merchantId: string;
  readonly secretKey: string;
  /** Sent with every request, e.g. the sandbox's `X-Sandbox-Scenario`. */
  readonly headers?: Readonly<Record<string, string>>;
}

export type Answer = Record<string, string>;

export interface SignedAnswer {
  readonly fields: Answer;
  /** Whether `pg_sig` verified with the merchant's key; `undefined` when the answer has none. */
  readonly signatureValid: boolean | undefined;
  readonly hint: string | undefined;
}

export interface PayoutParams {
  readonly orderId: string;
  readonly amount: string;
  readonly userId: string;
  readonly cardToken: string;
  readonly description: string;
  readonly postLink: string;
  readonly orderTimeLimit: string;
  readonly extra?: Record<string, string>;
}

/** reg2nonreg (docs/gateway/payouts.md §2): the recipient types the card number on a payout page. */
export interface PayoutPageParams {
  readonly orderId: string;
  readonly amount: string;
  readonly description: string;
  readonly postLink: string;
  readonly backLink: string;
  readonly orderTimeLimit: string;
  readonly extra?: Record<string, string>;
}

/** p2p2nonreg (docs/gateway/payouts.md §3): a payout to a card number the merchant sends. */
export interface CardNumberPayoutParams {
  readonly orderId: string;
  readonly amount: string;
  readonly cardNumber: string;
  readonly description: string;
  readonly postLink: string;
  readonly cardName?: string;
  readonly currency?: string;
  readonly userId?: string;
  readonly extra?: Record<string, string>;
}

/** to_iban (docs/gateway/payouts.md §4): every recipient field is required. */
export interface IbanPayoutParams {
  readonly orderId: string;
  readonly amount: string;
  readonly description: string;
  readonly postLink: string;
  readonly iban: string;
  /** The recipient's IIN or BIN, 12 digits. */
  readonly iin: string;
  readonly name: string;
  /** Beneficiary code (KBE), e.g. `19`. */
  readonly kbe: string;
  /** Payment purpose code (KNP), e.g. `119`. */
  readonly knp: string;
  readonly bik: string;
  /** The Gateway's `/g2g/to_iban` (default) or the Merchant API's `/api/to_iban`. */
  readonly path?: '/g2g/to_iban' | '/api/to_iban';
  readonly extra?: Record<string, string>;
}

/** The script name a message is signed with: the last path segment, `""` after a final `/`. */
export function scriptName(pathOrUrl: string): string {
  const path = new URL(pathOrUrl, 'http://x').pathname;
  return path.slice(path.lastIndexOf('/') + 1);
}

export function freedomPaySignature(
  script: string,
  fields: Readonly<Record<string, string>>,
  secretKey: string,
): string {
  // PHP's ksort compares the names' bytes (UTF-8), not JavaScript's UTF-16 code units.
  const values = Object.keys(fields)
    .filter((key) => key !== 'pg_sig')
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((key) => fields[key]);
  return createHash('md5')
    .update([script, ...values, secretKey].join(';'), 'utf8')
    .digest('hex');
}

const parser = new XMLParser({
  parseTagValue: false,
  ignoreAttributes: true,
  trimValues: false,
  htmlEntities: true,
});

export class FreedomPayClient {
  constructor(readonly options: ClientOptions) {}

  /** `POST /api/reg2reg`: pays out to a saved card. */
  reg2reg(params: PayoutParams): Promise<SignedAnswer> {
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

  /** `POST /api/reg2nonreg`: opens a payout page; the answer's `pg_redirect_url` is the page. */
  reg2nonreg(params: PayoutPageParams): Promise<SignedAnswer> {
    return this.call('/api/reg2nonreg', {
      pg_order_id: params.orderId,
      pg_amount: params.amount,
      pg_description: params.description,
      pg_post_link: params.postLink,
      pg_back_link: params.backLink,
      pg_order_time_limit: params.orderTimeLimit,
      ...params.extra,
    });
  }

  /** `POST /g2g/p2p2nonreg`: pays out to a card number (`pg_payment_to`). */
  p2p2nonreg(params: CardNumberPayoutParams): Promise<SignedAnswer> {
    return this.call('/g2g/p2p2nonreg', {
      pg_order_id: params.orderId,
      pg_amount: params.amount,
      pg_payment_to: params.cardNumber,
      pg_description: params.description,
      pg_post_link: params.postLink,
      ...(params.cardName !== undefined ? { pg_card_name: params.cardName } : {}),
      ...(params.currency !== undefined ? { pg_currency: params.currency } : {}),
      ...(params.userId !== undefined ? { pg_user_id: params.userId } : {}),
      ...params.extra,
    });
  }

  /** `POST /g2g/to_iban` (or `/api/to_iban`): pays out to a bank account. */
  toIban(params: IbanPayoutParams): Promise<SignedAnswer> {
    return this.call(params.path ?? '/g2g/to_iban', {
      pg_order_id: params.orderId,
      pg_amount: params.amount,
      pg_description: params.description,
      pg_post_link: params.postLink,
      pg_recipient_iban: params.iban,
      pg_recipient_iin: params.iin,
      pg_recipient_name: params.name,
      pg_recipient_kbe: params.kbe,
      pg_knp: params.knp,
      pg_bank_bik: params.bik,
      ...params.extra,
    });
  }

  /** `POST /g2g/payout_status2`: the Gateway's twin of `payment_status2`. */
  payoutStatus(paymentId: string): Promise<SignedAnswer> {
    return this.call('/g2g/payout_status2', { pg_payment_id: paymentId });
  }

  /** `POST /api/payment_status2`: `pg_payment_status` is success, error or process. */
  paymentStatus(paymentId: string): Promise<SignedAnswer> {
    return this.call('/api/payment_status2', { pg_payment_id: paymentId });
  }

  /** `POST /g2g/balance_status`: the payout balance. */
  balance(): Promise<SignedAnswer> {
    return this.call('/g2g/balance_status', {});
  }

  /**
   * Asks for the status until it is final. `wait` decides how time passes between two asks:
   * a real pause against a real gateway, a clock advance against the sandbox.
   */
  async pollUntilFinal(
    paymentId: string,
    wait: () => Promise<void>,
    attempts = 20,
  ): Promise<SignedAnswer> {
    for (let i = 0; i < attempts; i++) {
      const status = await this.paymentStatus(paymentId);
      if (status.fields.pg_payment_status !== 'process') return status;
      await wait();
    }
    throw new Error(`payment ${paymentId} was still in process after ${attempts} asks`);
  }

  /** Signs and sends any method as multipart/form-data, and verifies the signed answer. */
  async call(path: string, fields: Record<string, string>): Promise<SignedAnswer> {
    const script = scriptName(path);
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
      ...(this.options.headers ? { headers: this.options.headers } : {}),
    });
    const text = await response.text();
    if (response.status !== 200) {
      throw new Error(`${path} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    }
    const answer = parseAnswer(text);
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

export function parseAnswer(xml: string): Answer {
  const document = parser.parse(xml) as { response?: Answer };
  if (!document.response) throw new Error(`not a gateway answer: ${xml.slice(0, 200)}`);
  return document.response;
}

/**
 * Verifies a postback the way the merchant's server must: over every parameter it received
 * (the body and the post link's query string), with the script name of the URL it was called on.
 */
export function verifyPostback(
  requestUrl: string,
  params: Readonly<Record<string, string>>,
  secretKey: string,
): boolean {
  return (
    typeof params.pg_sig === 'string' &&
    freedomPaySignature(scriptName(requestUrl), params, secretKey) === params.pg_sig
  );
}

/** The merchant's XML answer to a postback, signed and echoing its salt (docs/gateway/status-and-postbacks.md §4). */
export function postbackAnswer(
  requestUrl: string,
  received: Readonly<Record<string, string>>,
  secretKey: string,
  status: 'ok' | 'rejected' | 'error' = 'ok',
  description = 'Accepted',
): string {
  const fields: Record<string, string> = {
    pg_status: status,
    pg_description: description,
    pg_salt: received.pg_salt ?? randomBytes(8).toString('hex'),
  };
  fields.pg_sig = freedomPaySignature(scriptName(requestUrl), fields, secretKey);
  const body = Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?><response>${body}</response>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
