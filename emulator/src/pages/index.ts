export { escapeHtml, safeUrl } from './html.js';
export { layout, SANDBOX_BANNER, type LayoutOptions } from './layout.js';
export {
  renderCardForm,
  CARD_FORM_FIELDS,
  CARD_STORAGE_TEST_CARDS,
  type CardFormField,
  type CardFormView,
  type TestCardHint,
} from './card-form.js';
export { renderIssuerPage, ISSUER_FORM_FIELDS, type IssuerView } from './issuer-page.js';
export {
  renderFinishedPage,
  renderAutoPostForm,
  BACK_LINK_REFRESH_SECONDS,
  type FinishedView,
  type AutoPostView,
} from './finished-page.js';
export { renderNoticePage, type NoticeView } from './notice-page.js';
