import request from 'supertest';
import { afterEach, beforeEach, expect } from 'vitest';
import { HttpPostbackSender } from '../src/postbacks/sender.js';
import {
  expectSignedBySandbox,
  MERCHANT_ID,
  openTestSandbox,
  parseAnswer,
  signed,
  type TestSandbox,
} from './helpers.js';
import { Receiver } from './receiver.js';

/**
 * The payout tests' sandbox (iban, p2p2nonreg): call `useGatewaySandbox()` at the top of the
 * file, `open()` it in each `beforeEach`, and it is disposed after each test. `status()` and
 * `balance()` call the signed status methods, whose answers must verify.
 */
export interface GatewaySandbox {
  readonly sandbox: TestSandbox;
  open(...args: Parameters<typeof openTestSandbox>): Promise<TestSandbox>;
  /** A status method, signed with its own script name; its answer must verify with it too. */
  readonly status: (
    path: string,
    fields: Record<string, string>,
  ) => Promise<Record<string, string>>;
  readonly balance: () => Promise<string | undefined>;
}

export function useGatewaySandbox(): GatewaySandbox {
  let sandbox: TestSandbox | undefined;
  afterEach(async () => {
    await sandbox?.dispose();
  });

  const gateway: GatewaySandbox = {
    get sandbox() {
      if (sandbox === undefined) throw new Error('open() the sandbox in beforeEach first');
      return sandbox;
    },
    async open(...args) {
      sandbox = await openTestSandbox(...args);
      return sandbox;
    },
    status: async (path, fields) => {
      const script = path.slice(path.lastIndexOf('/') + 1);
      const res = await request(gateway.sandbox.app)
        .post(path)
        .type('form')
        .send(signed({ pg_merchant_id: MERCHANT_ID, pg_salt: 'status-salt', ...fields }, script));
      const answer = parseAnswer(res.text);
      expect(expectSignedBySandbox(answer, script)).toBe(true);
      return answer;
    },
    balance: async () => {
      return (await gateway.status('/g2g/balance_status', {})).pg_balance;
    },
  };
  return gateway;
}

/**
 * Inside a `describe`: before each test the merchant's real HTTP receiver starts and the sandbox
 * opens with postbacks sent over HTTP; the receiver closes after each test.
 */
export function useMerchantReceiver(gateway: GatewaySandbox): { readonly receiver: Receiver } {
  let receiver: Receiver | undefined;
  beforeEach(async () => {
    receiver = await Receiver.start();
    await gateway.open({}, undefined, { sender: new HttpPostbackSender() });
  });
  afterEach(async () => {
    await receiver?.close();
  });
  return {
    get receiver() {
      if (receiver === undefined) throw new Error('no receiver outside a test');
      return receiver;
    },
  };
}

/** The fields without one of them. */
export function without(fields: Record<string, string>, name: string): Record<string, string> {
  const { [name]: _gone, ...rest } = fields;
  return rest;
}
