import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import {
  isSettledPayout,
  isSettledPostback,
  type ColdPayout,
  type ColdPostback,
  type ColdRecords,
  type Spot,
} from './cold.js';
import { spotKey } from './data-file.js';
import type { StoreData } from './store.js';

/**
 * Moves settled records from memory to disk (decision 0015): each one that is still the record
 * memory holds (a later change may have replaced it) and is settled leaves `data` and is kept
 * as a summary and the place `spotOf` gives, when it gives one.
 */
export function settleRecords(
  data: StoreData,
  cold: ColdRecords,
  records: { readonly payouts?: readonly Payout[]; readonly postbacks?: readonly Postback[] },
  spotOf: (section: 'payouts' | 'postbacks', key: string) => Spot | undefined,
): void {
  for (const payout of records.payouts ?? []) {
    const key = String(payout.paymentId);
    const spot = spotOf('payouts', key);
    if (spot && data.payouts[key] === payout && isSettledPayout(payout)) {
      delete data.payouts[key];
      cold.addPayout(payout, spot);
    }
  }
  for (const postback of records.postbacks ?? []) {
    const spot = spotOf('postbacks', postback.id);
    if (spot && data.postbacks[postback.id] === postback && isSettledPostback(postback)) {
      delete data.postbacks[postback.id];
      cold.addPostback(postback, spot);
    }
  }
}

/**
 * After a fold, settled records are lines of the new data file: their entries are pointed there
 * in place, also those a queued change took out of the index, so that its undo puts back an
 * entry that points at the new file.
 */
export function pointAtNewFile(
  spots: ReadonlyMap<string, Spot>,
  payouts: readonly ColdPayout[],
  postbacks: readonly ColdPostback[],
): void {
  for (const entry of payouts) {
    const spot = spots.get(spotKey('payouts', String(entry.paymentId)));
    if (spot) entry.spot = spot;
  }
  for (const entry of postbacks) {
    const spot = spots.get(spotKey('postbacks', entry.id));
    if (spot) entry.spot = spot;
  }
}
