/** A merchant the sandbox knows: its id, its payout secret key and its opening payout balance. */
export interface Merchant {
  readonly id: string;
  /** The "secret key for payouts" (freedompay-api.md §2.5) that signs payout messages. */
  readonly secretKey: string;
  readonly openingBalanceMinor: number;
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
