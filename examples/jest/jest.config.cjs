// `npm run test:jest`: the jest example, with jest itself.
/* global module, __dirname */
/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.test.cjs'],
  // jest's module loader can require() an ES module only on Node 24.9+ with
  // --experimental-vm-modules; this environment loads the sandbox with Node's own require
  // (Node 20.19+) and hands it to `require('freedompay-sandbox')`.
  testEnvironment: 'freedompay-sandbox/jest-environment',
};
