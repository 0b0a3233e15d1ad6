import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestSandbox, type TestSandbox } from './helpers.js';
import {
  describe as show,
  FORM_REFUSALS,
  gatewayOperations,
  openApiDocument,
  send,
  signAs,
  type GatewayOperation,
  type OpenApiDocument,
  type Schema,
} from './openapi-doc.js';

const doc = openApiDocument();
const operations = gatewayOperations(doc);

function operation(path: string): GatewayOperation {
  const found = operations.find((op) => op.path === path);
  if (!found) throw new Error(`the document has no gateway operation ${path}`);
  return found;
}

/** The names of the children of `<response>`, in order (`card` once, where the cards are). */
function childNames(answer: Record<string, unknown>): string[] {
  return Object.keys(answer);
}

/** Whether an answer fits one of the operation's documented answer schemas, and why not. */
function fitsAnswer(
  docs: OpenApiDocument,
  op: GatewayOperation,
  answer: Record<string, unknown>,
): string[] {
  const problems: string[] = [];
  if (op.answers.length !== 2) return [`${op.path} documents ${op.answers.length} answer schemas`];
  for (const name of op.answers) {
    const schema = docs.components.schemas[name] as {
      properties: Record<string, Schema>;
      required: string[];
    };
    const documented = Object.keys(schema.properties);
    const names = childNames(answer);
    const unknown = names.filter((child) => !documented.includes(child));
    const missing = schema.required.filter((child) => !names.includes(child));
    const outOfOrder =
      names.filter((child) => documented.includes(child)).join() !==
      documented.filter((child) => names.includes(child)).join();
    const badEnum = names.filter((child) => {
      const allowed = schema.properties[child]?.enum as string[] | undefined;
      return allowed !== undefined && !allowed.includes(String(answer[child]));
    });
    if (unknown.length + missing.length + badEnum.length === 0 && !outOfOrder) return [];
    problems.push(
      `${name}: unknown ${unknown.join(',')}; missing ${missing.join(',')}; out of order ${outOfOrder}; values not in the enum ${badEnum.join(',')}`,
    );
  }
  return problems;
}

describe("the OpenAPI document's examples", () => {
  let sandbox: TestSandbox;
  beforeEach(async () => {
    sandbox = await openTestSandbox();
  });
  afterEach(() => sandbox.dispose());

  it('the reg2reg example, signed as the document says and sent, pays ok', async () => {
    const reg2reg = operation('/api/reg2reg');
    expect(reg2reg.script).toBe('reg2reg');
    const fields = signAs(reg2reg, {
      ...reg2reg.example,
      pg_order_id: 'openapi-1',
      pg_salt: 'fresh-salt',
    });
    const sent = await send(sandbox.app, reg2reg, fields);
    expect(sent.status).toBe(200);
    expect(sent.answer.pg_status, show(sent)).toBe('ok');
    expect(sent.answer.pg_order_id).toBe('openapi-1');
  });

  it('every gateway example, sent as it stands, passes the signature and field checks', async () => {
    // A card to list, for the list answers to show one.
    await request(sandbox.app)
      .post('/__sandbox/cards')
      .send({ userId: '42', pan: '4716047261941981' });
    // Payouts first, so the status examples find the reg2reg example's order.
    const ordered = [...operations].sort(
      (a, b) => Number(a.script.includes('status')) - Number(b.script.includes('status')),
    );
    for (const op of ordered) {
      const sent = await send(sandbox.app, op, op.example);
      expect(sent.status, op.path).toBe(200);
      const code = sent.answer.pg_error_code;
      expect(FORM_REFUSALS, `${op.path}\n${show(sent)}`).not.toContain(String(code));
    }
  });

  it('every gateway answer fits the schema the document gives it', async () => {
    await request(sandbox.app)
      .post('/__sandbox/cards')
      .send({ userId: '42', pan: '4716047261941981' });
    const ordered = [...operations].sort(
      (a, b) => Number(a.script.includes('status')) - Number(b.script.includes('status')),
    );
    for (const op of ordered) {
      // A second payout of the same order is refused: each path gets its own.
      const fields =
        op.example.pg_order_id?.startsWith('order-') && !op.script.includes('status')
          ? signAs(op, {
              ...op.example,
              pg_order_id: `${op.example.pg_order_id}-${op.operationId}`,
            })
          : op.example;
      const sent = await send(sandbox.app, op, fields);
      expect(fitsAnswer(doc, op, sent.answer), `${op.path}\n${show(sent)}`).toEqual([]);
    }
  });

  it('a payout declined by a test card fits the answer schema, pg_error_code included', async () => {
    const reg2reg = operation('/g2g/reg2reg');
    const declined = signAs(reg2reg, {
      ...reg2reg.example,
      pg_order_id: 'openapi-declined',
      pg_card_token_to: '7a3e1a7c-5b0f-4b8e-9d4f-000000000003',
    });
    const sent = await send(sandbox.app, reg2reg, declined);
    expect(sent.answer.pg_error_code).toBe('10001');
    expect(fitsAnswer(doc, reg2reg, sent.answer)).toEqual([]);
  });

  it('the admin examples are accepted', async () => {
    // The shipped scenarios, so the pin example names one that exists.
    const shipped = await openTestSandbox({
      SANDBOX_SCENARIOS: fileURLToPath(new URL('../../scenarios', import.meta.url)),
    });
    try {
      for (const [method, path] of [
        ['post', '/__sandbox/merchants/{id}/balance'],
        ['post', '/__sandbox/scenarios'],
        ['put', '/__sandbox/scenarios/active'],
        ['post', '/__sandbox/clock/advance'],
        ['post', '/__sandbox/clock/speed'],
        ['post', '/__sandbox/cards'],
        ['post', '/__sandbox/reset'],
      ] as const) {
        const op = doc.paths[path]?.[method] as {
          requestBody: { content: { 'application/json': { example: object } } };
          responses: Record<string, unknown>;
        };
        const example = op.requestBody.content['application/json'].example;
        const client = request(shipped.app);
        const concrete = path.replace('{id}', '100001');
        const response = await (
          method === 'put' ? client.put(concrete) : client.post(concrete)
        ).send(example);
        const ok = Object.keys(op.responses).find((status) => status.startsWith('2'));
        expect(String(response.status), `${method} ${path}: ${response.text}`).toBe(ok);
      }
    } finally {
      await shipped.dispose();
    }
  });
});
