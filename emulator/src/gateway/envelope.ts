import { isoSeconds, isoTime, type Clock } from '../clock.js';
import { GatewayErrors, type GatewayErrorSpec } from '../errors.js';
import {
  secretKeyOf,
  type Merchant,
  type MerchantDirectory,
  type SecretKeyKind,
} from '../merchants/merchants.js';
import type { TransportFault } from '../payouts/outcome.js';
import type { Randomness } from '../randomness.js';
import { diagnoseSignatureMismatch } from '../signature/diagnose.js';
import {
  maskSecret,
  scriptNameFromPath,
  sign,
  verifySignature,
  withSignature,
  type FieldValue,
  type Fields,
} from '../signature/signature.js';
import { asXmlCarries, findXmlInvalid } from '../signature/xml-text.js';

/** A gateway call as the HTTP layer hands it over: the path and the fields, already decoded. */
export interface GatewayCall {
  readonly path: string;
  readonly fields: Fields;
  /** Set when the body could not be read as a form; the gateway then sees no fields. */
  readonly transportProblem?: string;
  /** The `X-Sandbox-Scenario` header: run this scenario for this request. */
  readonly scenarioHeader?: string;
  /** `http://host:port` as the client reached the sandbox: links in answers are built on it. */
  readonly origin?: string;
}

/**
 * The gateway's answer: the XML fields in document order (signed where the gateway signs), plus
 * what the developer is told on the side (a header and a log line) without changing the body.
 */
export interface GatewayAnswer {
  readonly fields: Record<string, string>;
  readonly merchantId?: string;
  readonly orderId?: string;
  readonly paymentId?: number;
  /** `ok`, `process`, or `error <code>`: for the log line. */
  readonly outcome: string;
  /** Which rule or check chose the answer. */
  readonly reason: string;
  /** The scenario rule that chose the answer, if one did. */
  readonly ruleId?: string;
  readonly hint?: string;
  /** A scripted transport failure the HTTP layer renders instead of the XML. */
  readonly fault?: TransportFault;
  /** Repeated child elements (`<card>`), rendered before the salt and signature. */
  readonly records?: readonly AnswerRecord[];
}

/** One repeated child element of an answer: `<card>…</card>` in `cardstorage/list`. */
export interface AnswerRecord {
  readonly name: string;
  readonly fields: Record<string, string>;
}

export type SignatureErrorMode = 'signed-1100' | 'unsigned-9998';

export type Identified =
  | {
      readonly ok: true;
      readonly merchant: Merchant;
      /** The key that verified the request: sign the answer with it. */
      readonly key: SecretKeyKind;
    }
  | { readonly ok: false; readonly answer: GatewayAnswer };

export interface EnvelopeDeps {
  readonly merchants: MerchantDirectory;
  readonly randomness: Randomness;
  readonly clock: Clock;
  /** docs/gateway/errors.md §4: current docs answer a bad signature with signed 1100, older integrations saw 9998. */
  readonly signatureErrorMode: SignatureErrorMode;
}

/**
 * What every gateway method shares: identifying the merchant, checking `pg_sig` with the
 * method's script name, the error envelope, and signing answers with a fresh salt.
 */
export class GatewayEnvelope {
  constructor(private readonly deps: EnvelopeDeps) {}

  /** Any other path under `/api` or `/g2g`: the gateway has no such method. */
  unknownMethod(call: GatewayCall): GatewayAnswer {
    const spec = GatewayErrors.unknownMethod;
    return {
      fields: this.errorFields(spec, spec.description),
      outcome: `error ${spec.code}`,
      reason: 'unknown path',
      hint: `the sandbox does not emulate ${call.path}; payouts go to POST /api/reg2reg or /g2g/reg2reg`,
    };
  }

  /**
   * The checks every signed method shares: identifies the merchant, checks `pg_sig` with the
   * merchant's key of kind `key` (payouts: `payout`; card storage: `Config.cardStorageKey`), and
   * refuses a field the answer could not carry (below). Errors are signed with that key too.
   */
  authenticate(call: GatewayCall, script: string, key: SecretKeyKind = 'payout'): Identified {
    const rawId = call.fields.pg_merchant_id;
    const merchant = typeof rawId === 'string' ? this.deps.merchants.find(rawId) : undefined;
    if (!merchant) {
      const spec = GatewayErrors.merchantNotIdentified;
      const known = this.deps.merchants
        .all()
        .map((m) => m.id)
        .join(', ');
      const hint =
        call.transportProblem ??
        (typeof rawId === 'string'
          ? `pg_merchant_id ${rawId} is not configured; this sandbox knows ${known} (SANDBOX_MERCHANT_ID or the merchants file)`
          : rawId === undefined
            ? `send pg_merchant_id (this sandbox knows ${known})`
            : `pg_merchant_id was sent more than once or as a list; send it once (this sandbox knows ${known})`);
      return {
        ok: false,
        answer: {
          fields: this.errorFields(spec, spec.description),
          outcome: `error ${spec.code}`,
          reason: 'merchant identification',
          hint,
        },
      };
    }

    const secret = secretKeyOf(merchant, key);
    const check = verifySignature(script, call.fields, secret);
    if (check.valid) {
      const refused = this.refuseUncarriable(call, script, merchant, key);
      return refused ? { ok: false, answer: refused } : { ok: true, merchant, key };
    }
    const expected = maskSecret(check.expectedBase, secret);
    const hint =
      check.reason === 'missing'
        ? `pg_sig is missing; sign md5("${expected}") with ${KEY_NAMES[key]}`
        : `pg_sig does not match: the sandbox signed md5("${expected}"); ${mismatchAdvice(
            call,
            script,
            merchant,
            key,
            check.received,
          )}`;
    const spec =
      this.deps.signatureErrorMode === 'signed-1100'
        ? GatewayErrors.invalidSignature
        : GatewayErrors.merchantNotIdentified;
    return {
      ok: false,
      answer: this.error(spec, script, merchant, { reason: 'signature check', hint, key }),
    };
  }

  /**
   * A name or value holding a character XML 1.0 cannot carry (U+0001, U+FFFE) is refused with
   * 9403: an answer echoing it (`pg_order_id`) would drop the character, and its signature would
   * not verify over what the client reads (docs/decisions/0010-wire-edges.md).
   */
  private refuseUncarriable(
    call: GatewayCall,
    script: string,
    merchant: Merchant,
    key: SecretKeyKind,
  ): GatewayAnswer | undefined {
    const bad = findXmlInvalid(call.fields);
    if (!bad) return undefined;
    const where = bad.inName ? `the field name ${bad.field}` : bad.field;
    const details = `${where} holds ${bad.codePoint} at character ${bad.position}, which XML cannot carry`;
    return this.error(GatewayErrors.invalidParameters, script, merchant, {
      description: `${GatewayErrors.invalidParameters.description}: ${details}`,
      reason: 'request validation',
      key,
      hint: `fix the fields: ${details}; send no control characters but tab, newline and carriage return, and no U+FFFE or U+FFFF`,
    });
  }

  /**
   * A method that could not read or write its store (the database is down): the gateway's system
   * error, 9999 "ask for the status later", signed as the method signs (`key`, the path's script),
   * with the store's own message, which says what to do, as the hint.
   */
  storeFailed(
    call: GatewayCall,
    key: SecretKeyKind,
    reason: string,
    message: string,
  ): GatewayAnswer {
    const script = scriptNameFromPath(call.path);
    const identified = this.authenticate(call, script, key);
    if (!identified.ok) return identified.answer;
    return this.error(GatewayErrors.systemError, script, identified.merchant, {
      reason,
      hint: `${message}; then ask for the status`,
      key,
    });
  }

  error(
    spec: GatewayErrorSpec,
    script: string,
    merchant: Merchant,
    options: {
      description?: string;
      reason: string;
      hint?: string;
      orderId?: string;
      /** A scenario's `bad-signature` fault. */
      wrongSignature?: boolean;
      /** The key that signs the answer: the one the request was checked with. */
      key?: SecretKeyKind;
    },
  ): GatewayAnswer {
    const fields = this.errorFields(spec, options.description ?? spec.description);
    return {
      fields: spec.signed
        ? this.sign(
            script,
            merchant,
            fields,
            options.wrongSignature ?? false,
            undefined,
            options.key ?? 'payout',
          )
        : fields,
      merchantId: merchant.id,
      ...(options.orderId !== undefined ? { orderId: options.orderId } : {}),
      outcome: `error ${spec.code}`,
      reason: options.reason,
      ...(options.hint !== undefined ? { hint: options.hint } : {}),
    };
  }

  /** The Gateway error envelope (docs/gateway/errors.md §1). */
  errorFields(spec: GatewayErrorSpec, description: string): Record<string, string> {
    return {
      pg_status: 'error',
      pg_error_code: String(spec.code),
      pg_error_description: description,
      pg_datetime: gatewayTime(this.deps.clock.now()),
    };
  }

  /**
   * Signs the fields as the XML answer carries them: a character XML cannot hold (from a
   * scenario's description, or a payout stored before such values were refused) is dropped
   * before signing, not only when rendering, so `pg_sig` verifies over what the client reads.
   * `wrongSignature` is a scenario's `bad-signature` fault: a signature that looks right and is
   * not, made with the key and a character too many. `key` is which of the merchant's keys signs:
   * an answer to a card storage request is signed with the key that signed the request.
   */
  sign(
    script: string,
    merchant: Merchant,
    fields: Record<string, string>,
    wrongSignature = false,
    salt: string = this.deps.randomness.salt(),
    key: SecretKeyKind = 'payout',
  ): Record<string, string> {
    const secret = secretKeyOf(merchant, key);
    return withSignature(
      script,
      asXmlCarries(fields),
      wrongSignature ? `${secret}x` : secret,
      salt,
    );
  }

  /**
   * Signs an answer with repeated child elements (`<card>`s): they take part in the signature
   * as the list a parser makes of them (PHP's SimpleXML to array), each record's fields sorted
   * within it, as docs/gateway/signature.md §3 walks nested values. Returns the answer's own fields with salt and sig.
   */
  signWithRecords(
    script: string,
    merchant: Merchant,
    fields: Record<string, string>,
    records: readonly AnswerRecord[],
    key: SecretKeyKind = 'payout',
  ): Record<string, string> {
    const own = { ...asXmlCarries(fields), pg_salt: this.deps.randomness.salt() };
    const nested: Record<string, FieldValue> = { ...own };
    for (const record of records) {
      const list = (nested[record.name] ??= []) as FieldValue[];
      list.push(asXmlCarries(record.fields));
    }
    return { ...own, pg_sig: sign(script, nested, secretKeyOf(merchant, key)) };
  }
}

/** How a hint names each key: where the user sets it, never its value. */
const KEY_NAMES: Record<SecretKeyKind, string> = {
  payout: "this merchant's payout key (SANDBOX_SECRET_KEY, or secretKey in the merchants file)",
  payment:
    "this merchant's payment key (SANDBOX_PAYMENT_SECRET_KEY, or paymentSecretKey in the merchants file)",
};

/** Card storage paths: `/v1/merchant/{id}/cardstorage/…`, `…/cardstoragepayout/…`, `/g2g/cardstorage/…`. */
const CARD_STORAGE_PATH = /\/cardstorage(payout)?\//i;

/**
 * What to do about a `pg_sig` that does not match: made with the merchant's other key (a mix-up
 * the two-key setup invites), else one of the usual mistakes (signature/diagnose.ts), else a
 * different key altogether.
 */
function mismatchAdvice(
  call: GatewayCall,
  script: string,
  merchant: Merchant,
  key: SecretKeyKind,
  received: string | undefined,
): string {
  const secret = secretKeyOf(merchant, key);
  const other: SecretKeyKind = key === 'payout' ? 'payment' : 'payout';
  const otherSecret = secretKeyOf(merchant, other);
  if (
    received &&
    otherSecret !== secret &&
    verifySignature(script, call.fields, otherSecret).valid
  ) {
    const signedWith = CARD_STORAGE_PATH.test(call.path)
      ? `card storage is signed with the ${key} key (SANDBOX_CARD_STORAGE_KEY=${key})`
      : `${script} is signed with the ${key} key`;
    return `your pg_sig was made with the ${other} key; ${signedWith}: sign with ${KEY_NAMES[key]}`;
  }
  const diagnosis = received
    ? diagnoseSignatureMismatch(script, call.path, call.fields, secret, received)
    : undefined;
  return diagnosis ?? `if your string is the same, your secret key differs from ${KEY_NAMES[key]}`;
}

/** ISO 8601 to the second, as the seed page's example (`2019-08-24T14:15:22Z`). */
export function gatewayTime(ms: number): string {
  return isoSeconds(isoTime(ms));
}
