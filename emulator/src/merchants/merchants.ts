/**
 * A merchant the sandbox knows: its id, its two secret keys and its opening payout balance.
 * A Freedom Pay merchant has a payout key and a payment key (docs/gateway/signature.md §5): payouts and
 * their status are signed with the first; card storage with the second unless
 * SANDBOX_CARD_STORAGE_KEY=payout (the sources disagree, §1).
 */
export interface Merchant {
  readonly id: string;
  /** The "secret key for payouts" (docs/gateway/signature.md §5) that signs payout messages. */
  readonly secretKey: string;
  /**
   * The "secret key for payments": it signs the Merchant API, card storage included
   * (docs/gateway/card-storage.md §1, docs/gateway/signature.md §5). It may equal `secretKey`; real merchants can have that.
   */
  readonly paymentSecretKey: string;
  readonly openingBalanceMinor: number;
}

/** Which of a merchant's two keys signs a message. */
export type SecretKeyKind = 'payout' | 'payment';

/** The merchant's key of that kind. */
export function secretKeyOf(merchant: Merchant, kind: SecretKeyKind): string {
  return kind === 'payment' ? merchant.paymentSecretKey : merchant.secretKey;
}

export class MerchantDirectory {
  private readonly byId: ReadonlyMap<string, Merchant>;

  constructor(merchants: readonly Merchant[]) {
    this.byId = new Map(merchants.map((merchant) => [merchant.id, merchant]));
  }

  find(id: string): Merchant | undefined {
    return this.byId.get(id);
  }

  all(): Merchant[] {
    return [...this.byId.values()];
  }
}
