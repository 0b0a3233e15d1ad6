import { readFileSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { allGatewayErrors } from '../src/errors.js';
import { ADMIN_ERRORS } from '../src/http/admin-errors.js';
import { OPENAPI_PATH } from '../src/openapi/document.js';
import { ruleSchema } from '../src/scenarios/schema.js';
import { openTestSandbox, type TestSandbox } from './helpers.js';
import {
  gatewayOperations,
  openApiDocument,
  registeredRoutes,
  type Schema,
} from './openapi-doc.js';

const doc = openApiDocument();
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** `[method, path]` of every operation the document describes. */
function describedOperations(): [string, string][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => METHODS.includes(key))
      .map((method): [string, string] => [method, path]),
  );
}

describe('the OpenAPI document', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await openTestSandbox({ SANDBOX_ADMIN_TOKEN: 'admin-secret' });
  });
  afterAll(() => sandbox.dispose());

  it('describes every route the app registers', () => {
    const described = new Set(describedOperations().map(([method, path]) => `${method} ${path}`));
    const missing = registeredRoutes(sandbox.app)
      // A route that answers any method is described by its `post`.
      .map((route) => `${route.method === 'all' ? 'post' : route.method} ${route.path}`)
      .filter((route) => !described.has(route));
    expect(missing).toEqual([]);
  });

  it('describes no route the app does not have', () => {
    const routes = registeredRoutes(sandbox.app);
    const extra = describedOperations().filter(
      ([method, path]) =>
        !routes.some(
          (route) => route.path === path && (route.method === method || route.method === 'all'),
        ),
    );
    expect(extra).toEqual([]);
  });

  it('is valid OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('carries the package version', () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as {
      version: string;
    };
    expect(doc.info.version).toBe(pkg.version);
  });

  it('is served at /__sandbox/openapi.json without the admin token, the same every time', async () => {
    const first = await request(sandbox.app).get(OPENAPI_PATH);
    expect(first.status).toBe(200);
    expect(first.type).toBe('application/json');
    expect(first.body).toEqual(JSON.parse(JSON.stringify(doc)));
    const second = await request(sandbox.app).get(OPENAPI_PATH);
    expect(second.text).toBe(first.text);
    // The routes next to it still need the token.
    expect((await request(sandbox.app).get('/__sandbox/merchants')).status).toBe(401);
  });

  it('lists every code of the error catalogue on the error envelope, with its description', () => {
    const codes = doc.components.schemas.GatewayErrorCode as {
      enum: string[];
      'x-enumDescriptions': Record<string, string>;
    };
    const catalogue = allGatewayErrors();
    expect(codes.enum).toEqual(catalogue.map((spec) => String(spec.code)));
    for (const spec of catalogue) {
      expect(codes['x-enumDescriptions'][String(spec.code)]).toBe(spec.description);
    }
    const envelope = doc.components.schemas.GatewayError as { properties: Record<string, Schema> };
    expect(envelope.properties.pg_error_code).toEqual({
      anyOf: [
        { $ref: '#/components/schemas/GatewayErrorCode' },
        { $ref: '#/components/schemas/ScriptedErrorCode' },
      ],
    });
  });

  it('lists every admin error code on the admin error shape', () => {
    const adminError = doc.components.schemas.AdminError as {
      properties: { code: { enum: string[] } };
    };
    expect(adminError.properties.code.enum).toEqual(Object.keys(ADMIN_ERRORS));
  });

  it('takes a scenario rule as the schema scenario files are checked with', () => {
    const { $schema: _dialect, ...rule } = z.toJSONSchema(ruleSchema, { io: 'input' });
    expect(doc.components.schemas.ScenarioRule).toMatchObject(rule);
  });

  it('describes the answer of every gateway method as the <response> element', () => {
    const names = new Set(gatewayOperations(doc).flatMap((operation) => operation.answers));
    expect(names.size).toBeGreaterThan(10);
    for (const name of names) {
      const schema = doc.components.schemas[name] as Schema;
      expect(schema.xml, name).toEqual({ name: 'response' });
      expect(Object.keys(schema.properties as Schema).length, name).toBeGreaterThan(0);
    }
  });
});
