import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONTENT_TYPE, isPaid, payoutBody } from './requests.js';
import { ROOT } from './settings.js';

/** A line about what the bench is doing, on stderr: stdout carries the report. */
export function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

/** A server process the bench started, and how long it took to give its first answer. */
export interface Server {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly startupMs: number;
  /** Its peak RSS (VmHWM) when start-up ended, in MB. */
  readonly startupRssMb: number;
}

export interface StartOptions {
  readonly name: string;
  /** The program and its arguments; node itself unless `command` says otherwise. */
  readonly args: readonly string[];
  readonly command?: string;
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  /** The server's URL when the bench chose its port; otherwise read from "listening on <url>". */
  readonly url?: string;
  /** Whether the server has answered what is measured; start-up ends with the first `true`. */
  readonly ready: (url: string) => Promise<boolean>;
  readonly timeoutMs?: number;
}

/** The server could not be started; `output` is the end of what it wrote to stderr. */
export class StartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(output.trim() === '' ? message : `${message}: ${lastLines(output, 3)}`);
    this.name = 'StartError';
  }
}

/** Starts a server process and measures the time to its first answer. */
export async function start(options: StartOptions): Promise<Server> {
  const started = performance.now();
  const child = spawn(options.command ?? process.execPath, options.args, {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    // Only the start matters (the "listening on" line); later output is read and dropped, so a
    // full pipe never slows the server down.
    if (stdout.length < 64 * 1024) stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderr = (stderr + chunk.toString()).slice(-16 * 1024);
  });
  const exited = new Promise<never>((_resolve, reject) => {
    child.once('exit', (code, signal) =>
      reject(new StartError(`${options.name} exited (${signal ?? `code ${code}`})`, stderr)),
    );
    child.once('error', (error) => reject(new StartError(`${options.name}: ${error.message}`, '')));
  });
  // Keeps an early exit from being an unhandled rejection while nothing awaits it yet.
  exited.catch(() => {});
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = started + timeoutMs;
  const waitForAnswer = async (): Promise<string> => {
    let url = options.url;
    while (url === undefined) {
      url = /listening on (http:\/\/[^\s"]+)/.exec(stdout)?.[1];
      if (url === undefined) await sleep(5);
      if (performance.now() > deadline) throw new Error('timeout');
    }
    while (!(await options.ready(url).catch(() => false))) {
      if (performance.now() > deadline) throw new Error('timeout');
      await sleep(10);
    }
    return url;
  };
  try {
    const url = await Promise.race([waitForAnswer(), exited]);
    return {
      name: options.name,
      url,
      child,
      startupMs: performance.now() - started,
      startupRssMb: peakRssMb(child),
    };
  } catch (error) {
    child.kill('SIGKILL');
    if (error instanceof StartError) throw error;
    throw new StartError(`${options.name} gave no answer within ${timeoutMs / 1000} s`, stderr);
  }
}

export function stop(server: Server): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** The peak resident set size (VmHWM) of a running process, in MB. */
export function peakRssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return Math.round(Number(kb) / 1024);
}

/** A port nobody listens on now, for servers that must be given one (Prism). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Ready once a payout to `url` is answered as paid: start-up is timed to the first payout. */
export function answersPayout(postLink: string): (url: string) => Promise<boolean> {
  return async (url) => {
    const res = await fetch(`${url}/api/reg2reg`, {
      method: 'POST',
      headers: { 'content-type': CONTENT_TYPE.multipart },
      body: payoutBody('multipart', postLink),
    });
    return res.ok && isPaid(await res.text());
  };
}

/** The merchant's endpoint, in its own process: acknowledges postbacks, notes their arrival. */
export interface Receiver {
  /** The pg_post_link to send. */
  readonly url: string;
  /** When each payment's first postback arrived, by payment id. */
  arrivals(): Promise<Map<string, number>>;
  /** How many payments' postbacks arrived. */
  count(): Promise<number>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

export async function receiver(): Promise<Receiver> {
  const server = await start({
    name: 'receiver',
    args: ['emulator/bench/receiver-server.mjs'],
    ready: async (url) => (await fetch(`${url}/arrivals/count`)).ok,
  });
  return {
    url: `${server.url}/notify`,
    arrivals: async () => {
      const res = await fetch(`${server.url}/arrivals`);
      return new Map(Object.entries((await res.json()) as Record<string, number>));
    },
    count: async () => Number(await (await fetch(`${server.url}/arrivals/count`)).text()),
    clear: async () => {
      await fetch(`${server.url}/arrivals`, { method: 'DELETE' });
    },
    close: () => stop(server),
  };
}

/** What to quote of a server's stderr: its fatal error line if it has one, else its last lines. */
function lastLines(text: string, n: number): string {
  const lines = text
    .trim()
    .split('\n')
    .map((line) => line.trim());
  const fatal = lines.find((line) => /FATAL ERROR|^\w*Error\b/.test(line));
  return fatal ?? lines.slice(-n).join(' / ');
}
