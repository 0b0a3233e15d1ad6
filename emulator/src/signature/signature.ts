import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Freedom Pay's `pg_sig` rule (freedompay-api.md §2): MD5 (lowercase hex) of
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
 * (§2.2, the PHP helper `getScriptNameFromUrl`).
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

/** Values in signing order. Keys sort by code point, as PHP `ksort` does for string keys. */
export function signedValues(fields: Fields): string[] {
  const values: string[] = [];
  const walk = (value: FieldValue): void => {
    if (typeof value === 'string') {
      values.push(value);
    } else if (Array.isArray(value)) {
      // Repeated fields keep their order of appearance (§2.1).
      value.forEach(walk);
    } else {
      for (const key of Object.keys(value).sort(compareKeys)) walk(value[key] as FieldValue);
    }
  };
  for (const key of Object.keys(fields).sort(compareKeys)) {
    if (key !== SIGNATURE_FIELD) walk(fields[key] as FieldValue);
  }
  return values;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The exact string that is hashed. */
export function signatureBase(script: string, fields: Fields, secret: string): string {
  return [script, ...signedValues(fields), secret].join(';');
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

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
  const salted = { ...fields, pg_salt: salt };
  return { ...salted, [SIGNATURE_FIELD]: sign(script, salted, secret) };
}

export type SignatureCheck =
  | { valid: true }
  | { valid: false; reason: 'missing' | 'mismatch'; expectedBase: string; received?: string };

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
