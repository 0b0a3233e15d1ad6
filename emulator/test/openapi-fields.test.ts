import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestSandbox, type TestSandbox } from './helpers.js';
import {
  describe as show,
  gatewayOperations,
  openApiDocument,
  send,
  signAs,
  type Schema,
  type Sent,
} from './openapi-doc.js';

/**
 * The document's field rules held against the sandbox: for every gateway operation, each field
 * the document requires is refused when left out, each value a field's schema refuses is refused
 * by the sandbox too, and the fields it calls optional may be left out. A rule written into the
 * document that the parsers do not enforce, or a required field the document forgot, fails here.
 */
const operations = gatewayOperations(openApiDocument());

/** The refusal a bad field gets: its own code for the merchant and the signature, else 9403 naming it. */
function expectRefused(sent: Sent, field: string, context: string): void {
  const code = String(sent.answer.pg_error_code);
  const detail = `${context}\n${show(sent)}`;
  if (field === 'pg_merchant_id') expect(code, detail).toBe('9998');
  else if (field === 'pg_sig') expect(code, detail).toBe('1100');
  else {
    expect(code, detail).toBe('9403');
    expect(String(sent.answer.pg_error_description), detail).toContain(field);
  }
}

/** Whether `value` fits the keywords the document uses on form fields. */
function fits(schema: Schema, value: string): boolean {
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
    return false;
  if (typeof schema.minLength === 'number' && [...value].length < schema.minLength) return false;
  if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength) return false;
  if (schema.format === 'uri' && !/^https?:\/\/[^\s/]+/i.test(value)) return false;
  return true;
}

/** Values that break field rules of every kind: a blank, punctuation, an empty value. */
const CANDIDATES = [' ', 'x y!', ''];

/** Fields with a rule, and a value the rule refuses (none when no candidate breaks it). */
function badValue(schema: Schema): string | undefined {
  return CANDIDATES.find((value) => !fits(schema, value));
}

describe('the field rules of the OpenAPI document', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await openTestSandbox();
  });
  afterAll(() => sandbox.dispose());

  it('covers the methods it describes, each example within its own rules', () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
    for (const op of operations) {
      for (const name of op.required) expect(op.example, `${op.path} ${name}`).toHaveProperty(name);
      for (const [name, value] of Object.entries(op.example)) {
        const schema = op.properties[name];
        expect(schema, `${op.path}: the example's ${name} is not documented`).toBeDefined();
        expect(
          fits(schema ?? {}, value),
          `${op.path}: the example's ${name} "${value}" breaks its rule`,
        ).toBe(true);
      }
    }
  });

  it('refuses a request without a field the document requires, naming the field', async () => {
    let checked = 0;
    for (const op of operations) {
      for (const field of op.required) {
        const { [field]: _left, ...rest } = op.example;
        const fields = field === 'pg_sig' ? rest : signAs(op, rest);
        const sent = await send(sandbox.app, op, fields);
        expectRefused(sent, field, `${op.path} without ${field}`);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('refuses a request without any field of an at-least-one group', async () => {
    const grouped = operations.filter((op) => op.groups.length > 0);
    expect(grouped.length).toBeGreaterThanOrEqual(6);
    for (const op of grouped) {
      for (const group of op.groups) {
        const fields = Object.fromEntries(
          Object.entries(op.example).filter(([name]) => !group.includes(name)),
        );
        const sent = await send(sandbox.app, op, signAs(op, fields));
        expect(String(sent.answer.pg_error_code), `${op.path}\n${show(sent)}`).toBe('9403');
        const description = String(sent.answer.pg_error_description);
        expect(
          group.some((name) => description.includes(name)),
          `${op.path}\n${show(sent)}`,
        ).toBe(true);
      }
    }
  });

  it('refuses every value a field schema refuses', async () => {
    let checked = 0;
    for (const op of operations) {
      for (const [field, schema] of Object.entries(op.properties)) {
        const bad = badValue(schema);
        if (bad === undefined) continue;
        const fields = { ...op.example, [field]: bad };
        const sent = await send(sandbox.app, op, field === 'pg_sig' ? fields : signAs(op, fields));
        expectRefused(sent, field, `${op.path} with ${field}="${bad}"`);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('refuses a value longer than a field schema allows', async () => {
    let checked = 0;
    for (const op of operations) {
      for (const [field, schema] of Object.entries(op.properties)) {
        if (typeof schema.maxLength !== 'number') continue;
        const example = op.example[field] ?? 'https://merchant.example/';
        const long = `${example}/${'a'.repeat(schema.maxLength)}`;
        const sent = await send(sandbox.app, op, signAs(op, { ...op.example, [field]: long }));
        expectRefused(sent, field, `${op.path} with a ${long.length}-character ${field}`);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('takes a request without a field the document calls optional', async () => {
    for (const op of operations) {
      const grouped = op.groups.flat();
      for (const field of Object.keys(op.example)) {
        if (op.required.includes(field) || grouped.includes(field)) continue;
        const { [field]: _left, ...rest } = op.example;
        const sent = await send(sandbox.app, op, signAs(op, rest));
        const refusedForIt =
          String(sent.answer.pg_error_code) === '9403' &&
          String(sent.answer.pg_error_description).includes(field);
        expect(refusedForIt, `${op.path} without ${field}\n${show(sent)}`).toBe(false);
      }
    }
  });
});
