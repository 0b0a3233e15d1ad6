import { describe, expect, it } from 'vitest';
import { isSandboxAdminLink } from './postback.js';

describe('isSandboxAdminLink', () => {
  it.each([
    'http://127.0.0.1:8080/__sandbox/postbacks/1-1/resend',
    'https://merchant.example/__sandbox',
    'http://localhost/__sandbox/',
    'http://localhost/__SANDBOX/postbacks/1-1/resend',
    'http://localhost//__sandbox//postbacks/1-1/resend',
    'http://localhost/%5F%5Fsandbox/postbacks/1-1/resend',
    'http://localhost/notify/../__sandbox/reset',
    'http://localhost/__sandbox/clock/advance?ms=1',
  ])('takes %s for the admin API', (url) => {
    expect(isSandboxAdminLink(url)).toBe(true);
  });

  it.each([
    'http://127.0.0.1:8080/payout/notify',
    'http://localhost/__sandboxed/notify',
    'http://localhost/notify?next=/__sandbox/reset',
    'http://localhost/notify#/__sandbox/reset',
    'http://localhost/%E0%A4%A/notify',
    'not a url',
  ])('lets %s through', (url) => {
    expect(isSandboxAdminLink(url)).toBe(false);
  });
});
