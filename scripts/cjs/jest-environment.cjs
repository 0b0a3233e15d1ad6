// CommonJS by design: jest loads test environments with require().
/* eslint-disable @typescript-eslint/no-require-imports */
/* global module, require, process */
'use strict';
/**
 * `testEnvironment: 'freedompay-sandbox/jest-environment'`: jest's node environment, with the
 * sandbox loaded for the test files' `require('freedompay-sandbox')`. scripts/build.mjs copies
 * this file into dist/.
 *
 * jest runs test files in a VM with its own module loader, which can require() an ES module only
 * on Node 24.9+ with --experimental-vm-modules. A test environment is loaded by Node itself, whose
 * require() can (20.19+), so the package is loaded here and put on the test's global, where
 * `require('freedompay-sandbox')` (index.cjs) takes it. Its objects come from Node's realm, not
 * the test's: `instanceof SandboxAdminError` and jest's `toThrow` work, `instanceof Error` is
 * false; jest's fake timers do not reach the sandbox's clock (it has its own: `advanceClock`).
 */
const ENTRY = './index.js';
const KEY = Symbol.for('freedompay-sandbox');
/** @type {unknown} */
const sandbox = require(ENTRY);
const { TestEnvironment } = nodeEnvironment();

class FreedomPaySandboxEnvironment extends TestEnvironment {
  /** @param {ConstructorParameters<typeof TestEnvironment>} args */
  constructor(...args) {
    super(...args);
    Reflect.set(this.global, KEY, sandbox);
  }
}

module.exports = FreedomPaySandboxEnvironment;

/**
 * jest's node environment, which npm and yarn install beside jest; pnpm users may need to add it.
 * @returns {typeof import('jest-environment-node')}
 */
function nodeEnvironment() {
  try {
    return require('jest-environment-node');
  } catch (first) {
    /** @type {unknown} */
    let found;
    try {
      found = require(require.resolve('jest-environment-node', { paths: [process.cwd()] }));
    } catch {
      throw new Error(
        `freedompay-sandbox/jest-environment extends jest's node environment, and finds no jest-environment-node from here or from ${process.cwd()}; ` +
          "add it to your devDependencies at your jest's version (npm i -D jest-environment-node@<that version>)",
        { cause: first },
      );
    }
    return /** @type {typeof import('jest-environment-node')} */ (found);
  }
}
