// CommonJS by design: this is the package's `require` entry, so require() is the point here.
/* eslint-disable @typescript-eslint/no-require-imports */
/* global module, require, process */
'use strict';
/**
 * `require('freedompay-sandbox')` (package.json "exports", the `require` condition). Node 20.19+
 * loads the ES module build with require() itself (require(esm)), and this is that same module:
 * `import` and `require` share one copy. scripts/build.mjs copies this file into dist/.
 *
 * jest's own module loader can require() an ES module only on Node 24.9+ run with
 * --experimental-vm-modules. The test environment `freedompay-sandbox/jest-environment` loads the
 * package with Node's require, outside the test's VM, and leaves it on the test's global; this
 * file takes it from there.
 */
const ENTRY = './index.js';
const KEY = Symbol.for('freedompay-sandbox');
/** @type {unknown} */
const fromEnvironment = Reflect.get(globalThis, KEY);

if (fromEnvironment !== undefined) {
  module.exports = fromEnvironment;
} else {
  try {
    module.exports = /** @type {unknown} */ (require(ENTRY));
  } catch (error) {
    // jest sets JEST_WORKER_ID in the processes that run test files.
    if (process.env.JEST_WORKER_ID === undefined) throw error;
    throw new Error(
      `freedompay-sandbox is an ES module, which jest's require() loads only on Node 24.9+ with NODE_OPTIONS=--experimental-vm-modules (this is Node ${process.version}). ` +
        "Set testEnvironment: 'freedompay-sandbox/jest-environment' in your jest config (it loads the sandbox with Node's own require, Node 20.19+), " +
        "or run jest with NODE_OPTIONS=--experimental-vm-modules and load it with `await import('freedompay-sandbox')`.",
      { cause: error },
    );
  }
}
