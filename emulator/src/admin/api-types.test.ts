import { describe, expectTypeOf, it } from 'vitest';
import type * as Errors from '../http/admin-errors.js';
import type * as Api from './api-types.js';
import type { Same } from './type-equality.js';

/*
 * The routes in http/ import their shapes from api-types.ts, so the package's .d.ts never imports
 * http/ (and through it express). The error codes are the exception: admin-errors.ts derives its
 * codes from the table of statuses and messages, and the public union is written out. These
 * checks are compile-time: `npm run typecheck` fails, naming the line, when the two drift apart.
 */
describe('the public admin API types', () => {
  it('name the error codes the routes answer with', () => {
    expectTypeOf<Same<Api.AdminErrorCode, Errors.AdminErrorCode>>().toEqualTypeOf<true>();
  });
});
