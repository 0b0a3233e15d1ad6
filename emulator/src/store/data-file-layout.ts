import { cardSessionSchema, payoutSchema, postbackSchema, savedCardSchema } from './schema.js';

/**
 * What the data file's writer (data-file.ts) and reader (data-file-read.ts) share: the layout
 * version, the record sections and how a record's key follows from it, the error a file that
 * cannot be used is refused with.
 */
/** The layout this version writes (see the comment of `DataFile`). */
export const LAYOUT_VERSION = 4;

export const SECTIONS = ['payouts', 'postbacks', 'cards', 'cardSessions'] as const;
export type Section = (typeof SECTIONS)[number];
export type Sections = Record<Section, Record<string, unknown>>;

export const KEY_OF: Record<Section, (record: never) => string> = {
  payouts: (record: { paymentId: number }) => String(record.paymentId),
  postbacks: (record: { id: string }) => record.id,
  cards: (record: { token: string }) => record.token,
  cardSessions: (record: { paymentId: number }) => String(record.paymentId),
};

export const SCHEMA_OF = {
  payouts: payoutSchema,
  postbacks: postbackSchema,
  cards: savedCardSchema,
  cardSessions: cardSessionSchema,
} as const;

/** The data file cannot be used as it is; `detail` says where and what. */
export class DataFileError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'DataFileError';
  }
}
