import { describe, expect, it } from 'vitest';
import { readPostLink, requirePostLink } from './post-link.js';

describe('readPostLink', () => {
  it('reads the parts an attempt needs', () => {
    expect(readPostLink('https://Shop.Example/pay/notify.php?token=a%20b&x=1#frag')).toEqual({
      protocol: 'https:',
      hostname: 'shop.example',
      port: '',
      path: '/pay/notify.php?token=a%20b&x=1',
      hasCredentials: false,
      allowHost: 'shop.example',
      allowHostPort: 'shop.example:443',
      scriptName: 'notify.php',
      query: { token: 'a b', x: '1' },
      adminLink: false,
    });
  });

  it('takes an IPv6 host without its brackets, and its port as written', () => {
    expect(readPostLink('http://[::1]:8080/n')).toMatchObject({
      hostname: '::1',
      port: '8080',
      allowHost: '::1',
      allowHostPort: '::1:8080',
    });
  });

  it('notes credentials in the link', () => {
    expect(readPostLink('http://user:secret@shop.example/n')?.hasCredentials).toBe(true);
  });

  it('gives the same answer the second time, and none for a string that is not a URL', () => {
    expect(readPostLink('http://shop.example/__sandbox/reset')?.adminLink).toBe(true);
    expect(readPostLink('http://shop.example/__sandbox/reset')?.adminLink).toBe(true);
    expect(readPostLink('not a url')).toBeUndefined();
    expect(readPostLink('not a url')).toBeUndefined();
  });

  it('throws what new URL throws when a link is required', () => {
    expect(() => requirePostLink('not a url')).toThrow(TypeError);
  });
});
