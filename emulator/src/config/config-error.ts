/** Refused configuration; the message lists every bad value and how to fix it. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `The sandbox configuration has ${problems.length} problem(s):\n- ${problems.join('\n- ')}`,
    );
    this.name = 'ConfigError';
  }
}
