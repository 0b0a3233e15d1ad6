/** The choices the add-rule form offers, and the pin that stands for every merchant. */
export const ALL = '*';

/** The steps a rule can decide (scenarios/README.md, "A rule"). */
export const METHODS = [
  ['', 'every payout method'],
  ['reg2reg', 'reg2reg'],
  ['reg2nonreg', 'reg2nonreg (the call that opens a payout page)'],
  ['payout-page', 'payout-page (the card number typed on it)'],
  ['p2p2nonreg', 'p2p2nonreg'],
  ['to_iban', 'to_iban'],
  ['iban_payout', 'iban_payout'],
  ['cardstorage/add', 'cardstorage/add (hosted page saves a card)'],
  ['cardstorage/3ds', 'cardstorage/3ds (issuer checks the password)'],
  ['g2g/cardstorage/add', 'g2g/cardstorage/add'],
] as const;

export const MATCH_FIELDS = [
  'pg_order_id',
  'pg_merchant_id',
  'pg_user_id',
  'pg_amount',
  'pg_card_token_to',
  'pg_card_id_to',
  'pg_description',
  'pg_card_pan',
  'pg_card_name',
];

export const FAULTS = [
  'http-500',
  'http-502',
  'http-503',
  'drop',
  'truncated-xml',
  'malformed-xml',
  'bad-signature',
];
