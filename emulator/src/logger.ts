import { pino, type Logger } from 'pino';

/**
 * One structured line per request and per postback attempt: JSON for machines, or pretty and
 * coloured when a person watches a terminal. Secrets never reach it: the paths below are masked
 * should a future log line carry them.
 */
export async function createLogger(level: string, pretty: boolean): Promise<Logger> {
  const options = {
    level,
    redact: {
      paths: [
        'secretKey',
        '*.secretKey',
        'paymentSecretKey',
        '*.paymentSecretKey',
        'pg_sig',
        '*.pg_sig',
      ],
      censor: '[hidden]',
    },
  };
  if (!pretty) return pino(options);
  // Loaded only for a terminal, so a JSON-logging start does not pay for it.
  const { default: prettyStream } = await import('pino-pretty');
  return pino(
    options,
    prettyStream({
      colorize: true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    }),
  );
}
