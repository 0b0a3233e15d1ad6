import type { Decider, Destination, Outcome, Rule } from './types';

/** Minor units (tiyn) as the gateway writes amounts: `150050` → `1500.50`. */
export function amount(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * A time on the sandbox clock, as the sandbox keeps it (UTC): `2026-01-15 10:00:05`. The
 * sandbox clock is not the wall clock (it can be stopped or moved ahead), so no "5 min ago".
 */
export function time(iso: string | undefined): string {
  if (iso === undefined || iso === '') return '';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(iso);
  return match ? `${match[1] ?? ''} ${match[2] ?? ''}` : iso;
}

export function destination(
  value: Destination | undefined,
  request?: Record<string, string>,
): string {
  if (value === undefined) {
    return request?.pg_card_token_to ?? request?.pg_card_id_to ?? '';
  }
  switch (value.kind) {
    case 'saved-card':
      return `${value.hash} (card ${value.cardId})`;
    case 'card-number':
      return value.hash;
    case 'payout-page':
      return value.hash !== undefined ? `${value.hash} (payout page)` : 'payout page, no card yet';
    case 'iban':
      return `${value.iban} (${value.name})`;
  }
}

export function outcome(value: Outcome | undefined): string {
  if (value === undefined) return '';
  switch (value.status) {
    case 'ok':
      return 'ok';
    case 'error':
      return `error ${value.code ?? ''}${value.description !== undefined ? ` (${value.description})` : ''}`;
    case 'process':
      return `process → ${outcome(value.then)}${value.afterMs !== undefined ? ` after ${duration(value.afterMs)}` : ''}`;
  }
}

export function decider(value: Decider | undefined): string {
  if (value === undefined) return '';
  switch (value.kind) {
    case 'outcome':
      return outcome(value.outcome);
    case 'sequence':
      return `in turn per ${value.per}${value.loop ? ', looping' : ''}: ${value.steps.map(outcome).join(', ')}`;
    case 'weighted':
      return `at random: ${value.choices.map((c) => `${c.weight}× ${outcome(c.outcome)}`).join(', ')}`;
    case 'default':
      return "the test card's own outcome";
  }
}

/** `250` → `250 ms`, `1500` → `1.5 s`, `5400000` → `1 h 30 m`. */
export function duration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${Number((ms / 1_000).toFixed(1))} s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1_000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
  }
  return parts.join(' ');
}

/**
 * A duration as people type it: `90`, `250ms`, `30s`, `5m`, `2h`, `1d`, or several (`1h 30m`);
 * a bare number is seconds. Undefined for anything else.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1_000);
  const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let rest = trimmed;
  while (rest !== '') {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*/.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * (units[match[2] ?? ''] ?? 0);
    rest = rest.slice(match[0].length);
  }
  return Math.round(total);
}

/** A rule's `match`, as the scenario file would say it. */
export function match(rule: Rule): string {
  const entries = Object.entries(rule.match);
  if (entries.length === 0) return 'every request';
  return entries.map(([field, matcher]) => `${field} ${matcherText(matcher)}`).join(', ');
}

function matcherText(matcher: unknown): string {
  if (typeof matcher !== 'object' || matcher === null) return `= ${String(matcher)}`;
  const m = matcher as Record<string, unknown>;
  switch (m.kind) {
    case 'equals':
      return `= ${String(m.value)}`;
    case 'number':
      return `= ${String(m.value)}`;
    case 'contains':
      return `contains ${String(m.value)}`;
    case 'oneOf':
      return `one of ${(m.values as unknown[]).map(String).join(', ')}`;
    case 'range': {
      const min = typeof m.min === 'number' ? `≥ ${m.min}` : '';
      const max = typeof m.max === 'number' ? `≤ ${m.max}` : '';
      return [min, max].filter((part) => part !== '').join(' and ');
    }
    case 'exists':
      return m.value === true ? 'is sent' : 'is not sent';
    default:
      if (typeof m.regex === 'string')
        return `~ /${m.regex}/${typeof m.flags === 'string' ? m.flags : ''}`;
      return JSON.stringify(matcher);
  }
}

/** Answer fields as the gateway's XML (`<response>`, children in order), for reading. */
export function xml(fields: Readonly<Record<string, string>>): string {
  const escape = (text: string): string =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const lines = Object.entries(fields).map(
    ([name, value]) => `  <${name}>${escape(value)}</${name}>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>\n<response>\n${lines.join('\n')}\n</response>`;
}

/** A form body (`a=1&b=2`) as its fields, for reading. */
export function formFields(body: string): [string, string][] {
  return [...new URLSearchParams(body).entries()];
}
