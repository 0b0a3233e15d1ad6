import autocannon from 'autocannon';
import { DEFAULT_MERCHANTS, type BenchMerchant } from './merchants.js';
import { CONTENT_TYPE, isPaid, payoutBody, type BodyKind } from './requests.js';
import { peakRssMb, type Server } from './processes.js';

/** One autocannon load on POST /api/reg2reg. */
export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly answered: number;
  /** Answers that were a paid payout (`<pg_status>ok`). */
  readonly paid: number;
  readonly errors: number;
  readonly non2xx: number;
}

/** What one server measured: the row of the table. */
export interface Measured {
  readonly startupMs: number;
  /** Peak RSS (VmHWM) when start-up ended, and at the end of the loads, in MB. */
  readonly startupRssMb: number;
  readonly peakRssMb: number;
  readonly multipart10: LoadResult;
  readonly multipart50: LoadResult;
  readonly urlencoded10: LoadResult;
  /** Paid answers over the whole run: start-up's, the warm-up's and the loads'. */
  readonly paidTotal: number;
}

/**
 * `url`: one server, or several (replicas) that autocannon's connections take in turn; each
 * request is a payout of the next of `merchants`.
 */
export async function load(
  url: string | readonly string[],
  kind: BodyKind,
  connections: number,
  seconds: number,
  postLink: string,
  merchants: readonly BenchMerchant[] = DEFAULT_MERCHANTS,
): Promise<LoadResult> {
  let answered = 0;
  let paid = 0;
  const targets = (typeof url === 'string' ? [url] : url).map((one) => `${one}/api/reg2reg`);
  const result = await autocannon({
    // autocannon takes a list of URLs and spreads its connections over them (its types say
    // only string).
    url: (targets.length === 1 ? targets[0] : targets) as string,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': CONTENT_TYPE[kind] },
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: payoutBody(kind, postLink, merchants) }),
        onResponse: (_status, body) => {
          answered++;
          if (isPaid(body)) paid++;
        },
      },
    ],
  });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    answered,
    paid,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * Warms the server up (each body type, so the JIT has seen both), then measures multipart at 10
 * and 50 connections and urlencoded at 10, and reads its peak RSS. Several servers (replicas of
 * one sandbox) share each load's connections; start-up is the slowest one's, RSS their sum.
 * The payouts are `merchants`' in turn (the default merchant's unless given).
 */
export async function measure(
  server: Server | readonly Server[],
  postLink: string,
  seconds: number,
  warmupSeconds: number,
  merchants: readonly BenchMerchant[] = DEFAULT_MERCHANTS,
): Promise<Measured> {
  const servers: readonly Server[] = 'url' in server ? [server] : server;
  const urls = servers.map((one) => one.url);
  let warmPaid = 0;
  if (warmupSeconds > 0) {
    for (const kind of ['multipart', 'urlencoded'] as const) {
      warmPaid += (await load(urls, kind, 10, warmupSeconds, postLink, merchants)).paid;
    }
  }
  const multipart10 = await load(urls, 'multipart', 10, seconds, postLink, merchants);
  const multipart50 = await load(urls, 'multipart', 50, seconds, postLink, merchants);
  const urlencoded10 = await load(urls, 'urlencoded', 10, seconds, postLink, merchants);
  const sum = (of: (one: Server) => number): number =>
    servers.reduce((total, one) => total + of(one), 0);
  return {
    startupMs: Math.max(...servers.map((one) => one.startupMs)),
    startupRssMb: sum((one) => one.startupRssMb),
    peakRssMb: sum((one) => peakRssMb(one.child)),
    multipart10,
    multipart50,
    urlencoded10,
    paidTotal: 1 + warmPaid + multipart10.paid + multipart50.paid + urlencoded10.paid,
  };
}
