import { describe, expectTypeOf, it } from 'vitest';
import type * as Actions from '../http/admin-actions.js';
import type * as Errors from '../http/admin-errors.js';
import type * as AdminRoutes from '../http/admin-routes.js';
import type * as Cards from '../http/card-admin-routes.js';
import type * as Postbacks from '../http/postback-routes.js';
import type * as Scenarios from '../http/scenario-routes.js';
import type * as Api from './api-types.js';
import type { Same } from './type-equality.js';

/*
 * The public shapes (api-types.ts) are written out so the package's .d.ts never imports http/
 * (and through it express). These checks are compile-time: `npm run typecheck` fails, naming
 * the line, when a route's type and its public twin drift apart; change both.
 */
describe('the public admin API types', () => {
  it('are the types the routes answer with and the helpers resolve with', () => {
    expectTypeOf<Same<Api.AdminErrorCode, Errors.AdminErrorCode>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.AdminErrorBody, Errors.AdminErrorBody>>().toEqualTypeOf<true>();

    expectTypeOf<Same<Api.FinishOutcome, Actions.FinishOutcome>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.FinishRequest, Actions.FinishRequest>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.BalanceRequest, Actions.BalanceRequest>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.MerchantBalance, Actions.MerchantBalance>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.MerchantList, AdminRoutes.MerchantList>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.ResetRequest, Actions.ResetRequest>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.ResetAnswer, Actions.ResetAnswer>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.PayoutFilter, Actions.PayoutFilter>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.PayoutPage, Actions.PayoutPage>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.RequestFilter, Actions.RequestFilter>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.RequestPage, Actions.RequestPage>>().toEqualTypeOf<true>();

    expectTypeOf<Same<Api.TestCardView, Cards.TestCardView>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.SavedCardView, Cards.SavedCardView>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.CardFilter, Cards.CardFilter>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.CardList, Cards.CardList>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.CardSessionFilter, Cards.CardSessionFilter>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.CardSessionView, Cards.CardSessionView>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.CardSessionList, Cards.CardSessionList>>().toEqualTypeOf<true>();

    expectTypeOf<Same<Api.AttemptView, Postbacks.AttemptView>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.PostbackView, Postbacks.PostbackView>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.PostbackFilter, Postbacks.PostbackFilter>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.PostbackPage, Postbacks.PostbackPage>>().toEqualTypeOf<true>();

    expectTypeOf<Same<Api.RuleView, Scenarios.RuleView>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.ScenarioView, Scenarios.ScenarioView>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.ScenarioStatus, Scenarios.ScenarioStatus>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Api.Pins, Scenarios.Pins>>().toEqualTypeOf<true>();
  });
});
