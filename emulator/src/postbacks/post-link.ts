import { scriptNameFromPath } from '../signature/signature.js';

/**
 * A `pg_post_link` read once. Every attempt needs its parts: whether it is the sandbox's admin
 * API, whether its host is allowed, the script name and query it is signed with, where to
 * connect. Most postbacks go to a few links, so each link is parsed once, not once per part and
 * per attempt (and once more when the payout that makes it is answered, for its warning).
 */
export interface PostLink {
  readonly protocol: string;
  /** As `http.request` takes it: an IPv6 address without its brackets. */
  readonly hostname: string;
  /** The URL's port: empty for the scheme's default. */
  readonly port: string;
  /** The request target: path and query, never the fragment. */
  readonly path: string;
  /** User or password in the link: `http.request` turns them into an Authorization header. */
  readonly hasCredentials: boolean;
  /** The host as the allowlist compares it: lower case, without brackets. */
  readonly allowHost: string;
  /** `allowHost:port`, the scheme's default port written out. */
  readonly allowHostPort: string;
  /** The script name the postback is signed with (docs/decisions/0007). */
  readonly scriptName: string;
  /** The link's query parameters, signed with the form fields (docs/decisions/0007). */
  readonly query: Readonly<Record<string, string>>;
  /** Whether the path is the sandbox's own admin API (`isSandboxAdminLink`). */
  readonly adminLink: boolean;
}

/**
 * Links read so far, and `null` for strings that are not URLs. Bounded: links that differ per
 * payout (an order id in the query) pass through without growing it; the oldest goes first.
 */
const links = new Map<string, PostLink | null>();
const MAX_LINKS = 1_000;

/** The link's parts, or undefined when the string is not a URL. */
export function readPostLink(url: string): PostLink | undefined {
  let link = links.get(url);
  if (link === undefined) {
    try {
      link = postLinkOf(new URL(url));
    } catch {
      link = null;
    }
    if (links.size >= MAX_LINKS) {
      const oldest = links.keys().next();
      if (oldest.done !== true) links.delete(oldest.value);
    }
    links.set(url, link);
  }
  return link ?? undefined;
}

/** The link's parts; for a string that is not a URL, the TypeError `new URL` throws. */
export function requirePostLink(url: string): PostLink {
  return readPostLink(url) ?? postLinkOf(new URL(url));
}

function postLinkOf(url: URL): PostLink {
  const { hostname, protocol } = url;
  const allowHost = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return Object.freeze({
    protocol,
    hostname: hostname.startsWith('[') ? hostname.slice(1, -1) : hostname,
    port: url.port,
    path: `${url.pathname}${url.search}`,
    hasCredentials: url.username !== '' || url.password !== '',
    allowHost,
    allowHostPort: `${allowHost}:${url.port || (protocol === 'https:' ? '443' : '80')}`,
    scriptName: scriptNameFromPath(url.pathname),
    query: Object.freeze(Object.fromEntries(url.searchParams)),
    adminLink: isAdminPath(url.pathname),
  });
}

/** The sandbox's own JSON API: every admin route lives under this path. */
const ADMIN_PATH = '/__sandbox';

/**
 * The path read as Express routes it: without case, with `.` and `..` resolved (the URL did
 * that); percent-escapes are decoded and repeated slashes folded too, so no spelling of the
 * same path gets through.
 */
function isAdminPath(pathname: string): boolean {
  let path = pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // A stray `%` is no escape: the path is compared as written.
  }
  path = path.replace(/\/{2,}/g, '/').toLowerCase();
  return path === ADMIN_PATH || path.startsWith(`${ADMIN_PATH}/`);
}
