import { hash, timingSafeEqual } from 'node:crypto';

/**
 * Freedom Pay's `pg_sig` rule (docs/gateway/signature.md §1): MD5 (lowercase hex) of
 * `script;value;value;…;secret`, where the values are every field except `pg_sig`, taken in
 * key order, nested maps and lists walked recursively. Only values are joined, never `key=value`.
 */

/** A field as it arrives: a string, or a nested map/list from bracket notation or `pg_xml`. */
export type FieldValue = string | FieldValue[] | { [key: string]: FieldValue };
export type Fields = Record<string, FieldValue>;

export const SIGNATURE_FIELD = 'pg_sig';

/**
 * The script name a message is signed with: the last path segment, query and fragment removed,
 * kept verbatim (`reg2reg`, `get_status2.php`), and the empty string when the path ends in `/`
 * (docs/gateway/signature.md §2, the PHP helper `getScriptNameFromUrl`).
 */
export function scriptNameFromPath(pathOrUrl: string): string {
  let path = pathOrUrl;
  const schemeAt = path.indexOf('://');
  if (schemeAt !== -1) {
    const pathStart = path.indexOf('/', schemeAt + 3);
    path = pathStart === -1 ? '' : path.slice(pathStart);
  }
  const end = path.search(/[?#]/);
  if (end !== -1) path = path.slice(0, end);
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Values in signing order: keys sorted by `compareFieldNames` at every level. */
export function signedValues(fields: Fields): string[] {
  const values: string[] = [];
  pushSignedValues(fields, values);
  return values;
}

function pushSignedValues(fields: Fields, values: string[]): void {
  const walk = (value: FieldValue): void => {
    if (typeof value === 'string') {
      values.push(value);
    } else if (Array.isArray(value)) {
      // Repeated fields keep their order of appearance (docs/gateway/signature.md §3).
      value.forEach(walk);
    } else {
      for (const key of sortedNames(value)) walk(value[key] as FieldValue);
    }
  };
  for (const key of sortedNames(fields)) {
    if (key !== SIGNATURE_FIELD) walk(fields[key] as FieldValue);
  }
}

/**
 * The names of the fields in signing order. A client sends the same names in the same order
 * request after request, and an answer of a kind always has the same names: each list of names
 * is sorted once and looked up after that.
 */
function sortedNames(fields: Record<string, unknown>): readonly string[] {
  const names = Object.keys(fields);
  if (names.length < 2) return names;
  if (names.length > MAX_CACHED_NAMES) return names.sort(compareFieldNames);
  const shape = JSON.stringify(names);
  let sorted = orders.get(shape);
  if (sorted === undefined) {
    sorted = names.sort(compareFieldNames);
    if (orders.size < MAX_ORDERS) orders.set(shape, sorted);
  }
  return sorted;
}

/** Bounds what the lookup holds: 256 lists of at most 64 names (a request has about ten). */
const MAX_ORDERS = 256;
const MAX_CACHED_NAMES = 64;
const orders = new Map<string, readonly string[]>();

/**
 * Field names in the order PHP's `ksort` puts them (docs/gateway/signature.md §4): it compares the names' UTF-8 bytes,
 * which is code point order. JavaScript's `<` compares UTF-16 code units, which agrees except past
 * the BMP: a surrogate pair (U+1F600 is D83D DE00) would sort before U+E000-U+FFFF (U+FF21).
 * Numeric names compare as strings ("10" before "2"), as they always have here.
 */
export function compareFieldNames(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/**
 * Moves surrogates (the code points past U+FFFF) above U+E000-U+FFFF and those below them,
 * keeping each group's own order: code unit order becomes code point order.
 */
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/**
 * The exact string `pg_sig` is the MD5 of: `script;value;value;…;secret`. The values are every
 * field but `pg_sig`, by name in code point order (as PHP's `ksort`), nested maps and lists
 * walked in the same order, repeated fields in the order sent, empty values kept (`…;;…`);
 * `pg_salt` is a field like the others. Print it when a signature does not match: the sandbox's
 * `X-Sandbox-Hint` shows the one it expected, with the key masked (docs/gateway/signature.md).
 *
 * @param script - the script name: the last segment of the URL path the message goes to
 *   (`reg2reg` for `/api/reg2reg`, `add` for `…/cardstorage/add`, `notify` for a `pg_post_link`
 *   of `https://shop.example/payout/notify`; `""` for a path ending in `/`). `scriptNameFromPath`
 *   finds it.
 * @param fields - the fields as sent, after form decoding: strings, or nested maps and lists.
 * @param secret - the merchant's key: the payout key for payouts, their status and the payout
 *   notify; the payment key for card storage and its callback (unless the sandbox runs with
 *   `SANDBOX_CARD_STORAGE_KEY=payout`).
 *
 * @example
 *   signatureBase('reg2reg', { pg_amount: '10', pg_salt: 'abc' }, 'secret')
 *   // 'reg2reg;10;abc;secret'
 */
export function signatureBase(script: string, fields: Fields, secret: string): string {
  const parts = [script];
  pushSignedValues(fields, parts);
  parts.push(secret);
  return parts.join(';');
}

export function md5Hex(text: string): string {
  return hash('md5', text, 'hex');
}

/**
 * The `pg_sig` for these fields: the lower-case hex MD5 of `signatureBase(script, fields,
 * secret)`. Sign the fields exactly as they will be sent, `pg_salt` included and `pg_sig` left
 * out (a `pg_sig` among `fields` is ignored); a value changed after signing fails the check.
 *
 * @example
 *   const fields = { pg_merchant_id: '100001', pg_amount: '10.00', pg_salt: 'random' };
 *   const body = new URLSearchParams({ ...fields, pg_sig: sign('reg2reg', fields, secretKey) });
 *   // `RunningSandbox.sign(script, fields)` signs with the default merchant's payout key.
 */
export function sign(script: string, fields: Fields, secret: string): string {
  return md5Hex(signatureBase(script, fields, secret));
}

/** Returns the fields with `pg_salt` and `pg_sig` set, in that order, after the given ones. */
export function withSignature(
  script: string,
  fields: Record<string, string>,
  secret: string,
  salt: string,
): Record<string, string> {
  const signed: Record<string, string> = { ...fields, pg_salt: salt };
  // Signed before pg_sig is set; a pg_sig among `fields` is ignored by `sign` and replaced here.
  signed[SIGNATURE_FIELD] = sign(script, signed, secret);
  return signed;
}

/**
 * What `verifySignature` found: valid, or why not (`missing`: no `pg_sig`, or an empty one;
 * `mismatch`: another value), with the string the signature should have been the MD5 of
 * (`expectedBase`, the secret at its end: mask it before logging it) and the `pg_sig` received.
 */
export type SignatureCheck =
  | { valid: true }
  | { valid: false; reason: 'missing' | 'mismatch'; expectedBase: string; received?: string };

/**
 * Checks the `pg_sig` among `fields` against the others, as the gateway checks a request and a
 * merchant checks the sandbox's answers and postbacks. The hex is compared in either case, in
 * constant time.
 *
 * @param script - the script name the message was signed with: for an answer, the request's
 *   (`reg2reg`); for a postback, the last path segment of your own `pg_post_link` (`notify` for
 *   `…/payout/notify`). `scriptNameFromPath` finds it.
 * @param fields - every field received, `pg_sig` included: a form body's fields (with the query
 *   parameters of a `pg_post_link` such as `…/notify?shop=7`: the payout notify signs them too),
 *   an answer's XML elements as strings, or the fields inside a card callback's `pg_xml`.
 * @param secret - the key it was signed with (see `signatureBase`).
 *
 * @example
 *   // In the handler of the payout notify at https://shop.example/payout/notify:
 *   const check = verifySignature('notify', Object.fromEntries(new URLSearchParams(body)), key);
 *   if (!check.valid) console.log(check.reason, check.expectedBase);
 */
export function verifySignature(script: string, fields: Fields, secret: string): SignatureCheck {
  const received = fields[SIGNATURE_FIELD];
  const expectedBase = signatureBase(script, fields, secret);
  if (typeof received !== 'string' || received === '') {
    return { valid: false, reason: 'missing', expectedBase };
  }
  const expected = Buffer.from(md5Hex(expectedBase));
  const given = Buffer.from(received.toLowerCase());
  if (given.length === expected.length && timingSafeEqual(given, expected)) return { valid: true };
  return { valid: false, reason: 'mismatch', expectedBase, received };
}

/** The signature base with the secret replaced, safe to show in a header or a log line. */
export function maskSecret(base: string, secret: string): string {
  return base.endsWith(`;${secret}`)
    ? `${base.slice(0, base.length - secret.length)}<secret key>`
    : base;
}
