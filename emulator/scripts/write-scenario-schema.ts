/**
 * Writes scenarios/schema.json from the zod schema the loader validates with, so editors and
 * the sandbox agree. `npm run schema`; a test fails when the file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchema } from '../src/scenarios/schema.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../../scenarios/schema.json', import.meta.url));

export function renderScenarioSchema(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_PATH, renderScenarioSchema());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
