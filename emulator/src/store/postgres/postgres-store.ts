// TEMPORARY STUB on branch pg-harness, so the branch compiles before the PostgreSQL store lands:
// drop this file at merge in favour of the real emulator/src/store/postgres/postgres-store.ts.
import { StoreOpenError, type Store } from '../store.js';

export interface PostgresStoreOptions {
  readonly url: string;
  readonly ownerId?: string;
  readonly leaseMs?: number;
  readonly onWarning?: (message: string) => void;
}

export function openPostgresStore(_options: PostgresStoreOptions): Promise<Store> {
  return Promise.reject(
    new StoreOpenError('the PostgreSQL store is not merged yet on this branch (pg-harness stub)'),
  );
}
