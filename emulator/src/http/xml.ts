import { create } from 'xmlbuilder2';
import { dropXmlInvalid } from '../signature/xml-text.js';

/**
 * Renders answer fields as the gateway's XML: `<response>` root (docs/gateway/wire.md §4, every
 * real sample), children in the given order, and nothing before `<?xml` (the PHP SDK breaks on
 * a byte before it).
 *
 * xmlbuilder2 builds a DOM per document, about 20 µs an answer: a fifth of the time budget of a
 * request. Answers come in a handful of shapes (the same field names in the same order), so it
 * renders each shape once, with a marker where each value goes, and a request only fills the
 * markers with escaped values. A property test holds this to xmlbuilder2's own output.
 */
export function renderGatewayXml(fields: Record<string, string>): string {
  const names = Object.keys(fields);
  const shape = names.join('\n');
  let template = templates.get(shape);
  if (!template) {
    template = compile(names);
    if (templates.size < MAX_SHAPES) templates.set(shape, template);
  }
  let xml = template[0] ?? '';
  for (let i = 0; i < names.length; i++) {
    xml += escapeText(fields[names[i] as string] ?? '') + (template[i + 1] ?? '');
  }
  return xml;
}

/**
 * An answer with repeated child elements (`cardstorage/list`'s `<card>`s): each record's
 * fields inside its own element, placed before the answer's own fields (the salt and the
 * signature last, as the documented samples have them). Rare enough to build with xmlbuilder2.
 */
export function renderGatewayXmlWithRecords(
  fields: Record<string, string>,
  records: readonly { readonly name: string; readonly fields: Record<string, string> }[],
): string {
  const root = create({ version: '1.0', encoding: 'utf-8' }).ele('response');
  const { pg_salt, pg_sig, ...own } = fields;
  for (const [name, value] of Object.entries(own)) root.ele(name).txt(dropInvalid(value));
  for (const record of records) {
    const element = root.ele(record.name);
    for (const [name, value] of Object.entries(record.fields)) {
      element.ele(name).txt(dropInvalid(value));
    }
  }
  if (pg_salt !== undefined) root.ele('pg_salt').txt(dropInvalid(pg_salt));
  if (pg_sig !== undefined) root.ele('pg_sig').txt(dropInvalid(pg_sig));
  return root.end({ prettyPrint: false });
}

/**
 * xmlbuilder2's rendering, a DOM per document: the reference the fast path is tested against.
 * Characters XML 1.0 cannot hold are dropped first: xmlbuilder2 would write some of them as they
 * are, and the answer would not be well-formed.
 */
export function renderWithXmlbuilder(fields: Record<string, string>): string {
  const root = create({ version: '1.0', encoding: 'utf-8' }).ele('response');
  for (const [name, value] of Object.entries(fields)) root.ele(name).txt(dropInvalid(value));
  return root.end({ prettyPrint: false });
}

/** What the answer carries of a text: signed answers are signed over this (signature/xml-text.ts). */
export function dropInvalid(text: string): string {
  return dropXmlInvalid(text);
}

/** Shapes are few (success, decline, error, status, balance); a bound keeps odd callers cheap. */
const MAX_SHAPES = 64;
const templates = new Map<string, string[]>();
const MARKER = 'fpsandboxvalue';

function compile(names: readonly string[]): string[] {
  const marked = Object.fromEntries(names.map((name, i) => [name, `${MARKER}${i}${MARKER}`]));
  const parts = renderWithXmlbuilder(marked).split(new RegExp(`${MARKER}\\d+${MARKER}`));
  return parts;
}

/**
 * Text as xmlbuilder2 writes it, `&`, `<` and `>` escaped, after `dropInvalid`, and a carriage
 * return as `&#xD;`: a parser turns a bare one into a newline, and the value read back would no
 * longer match the signature made over it.
 */
function escapeText(text: string): string {
  if (SAFE.test(text)) return text;
  return dropInvalid(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#xD;');
}

/* eslint-disable no-control-regex -- control characters are the point of this pattern */
const SAFE = /^[\x09\x0A\x20-\x25\x27-\x3B\x3D\x3F-\x7E]*$/;
/* eslint-enable no-control-regex */
