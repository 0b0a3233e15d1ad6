import type { Fields, FieldValue } from './signature.js';

/**
 * The characters XML 1.0 cannot carry (§2.2 of the XML spec): the C0 controls but tab, newline and
 * carriage return, U+FFFE, U+FFFF and lone surrogates. An answer drops them, so a signature made
 * over a value holding one would not verify over what the client reads back
 * (docs/decisions/0010-wire-edges.md).
 */
const NOT_CARRIED_SOURCE =
  '[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const NOT_CARRIED = new RegExp(NOT_CARRIED_SOURCE);
const NOT_CARRIED_ALL = new RegExp(NOT_CARRIED_SOURCE, 'g');

/** The text as an XML answer carries it. */
export function dropXmlInvalid(text: string): string {
  return NOT_CARRIED.test(text) ? text.replace(NOT_CARRIED_ALL, '') : text;
}

/** The fields with every value as an XML answer carries it, in the same order. */
export function asXmlCarries(fields: Record<string, string>): Record<string, string> {
  let changed: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(fields)) {
    const carried = dropXmlInvalid(value);
    if (carried !== value) changed = { ...(changed ?? fields), [name]: carried };
  }
  return changed ?? fields;
}

export interface XmlInvalidField {
  /** The field as sent (`pg_order_id`, `pg_items[0][name]`), with such characters escaped. */
  readonly field: string;
  /** Whether the character is in the name rather than the value. */
  readonly inName: boolean;
  /** `U+0001`. */
  readonly codePoint: string;
  /** 1-based position of the character in the name or value. */
  readonly position: number;
}

/** The first field whose name or value holds a character XML 1.0 cannot carry. */
export function findXmlInvalid(fields: Fields): XmlInvalidField | undefined {
  const walk = (name: string, value: FieldValue, key: string): XmlInvalidField | undefined => {
    const inName = NOT_CARRIED.exec(key);
    if (inName) return found(name, true, inName);
    if (typeof value === 'string') {
      const inValue = NOT_CARRIED.exec(value);
      return inValue ? found(name, false, inValue) : undefined;
    }
    const entries: [string, FieldValue][] = Array.isArray(value)
      ? value.map((item) => ['', item])
      : Object.entries(value);
    for (const [childKey, item] of entries) {
      const hit = walk(`${name}[${childKey}]`, item, childKey);
      if (hit) return hit;
    }
    return undefined;
  };
  for (const [name, value] of Object.entries(fields)) {
    const hit = walk(name, value, name);
    if (hit) return hit;
  }
  return undefined;
}

function found(name: string, inName: boolean, match: RegExpExecArray): XmlInvalidField {
  const unit = match[0].charCodeAt(0);
  return {
    field: escapeXmlInvalid(name.length > 100 ? `${name.slice(0, 100)}...` : name),
    inName,
    codePoint: `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`,
    position: match.index + 1,
  };
}

/** The text with each character XML cannot carry written as `\uXXXX`, so it can be shown. */
export function escapeXmlInvalid(text: string): string {
  return text.replace(
    NOT_CARRIED_ALL,
    (char) => `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}
