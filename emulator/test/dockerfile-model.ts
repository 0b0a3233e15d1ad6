import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DockerfileParser, type Dockerfile } from 'dockerfile-ast';

/** The repository's Dockerfile, read once, with the facts the checks need. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function readDockerfile(): Dockerfile {
  return DockerfileParser.parse(readFileSync(`${ROOT}Dockerfile`, 'utf8'));
}

export interface RuntimeStage {
  readonly env: Record<string, string>;
  readonly installCommand: string;
  readonly cmd: string[];
  readonly healthcheck: string[];
}

/** The last stage: what the image runs. */
export function runtimeStage(dockerfile: Dockerfile = readDockerfile()): RuntimeStage {
  const froms = dockerfile.getFROMs();
  const start = froms.at(-1)?.getRange().start.line ?? 0;
  const inStage = dockerfile.getInstructions().filter((i) => i.getRange().start.line >= start);
  const env: Record<string, string> = {};
  for (const instruction of dockerfile.getENVs()) {
    if (instruction.getRange().start.line < start) continue;
    for (const property of instruction.getProperties()) {
      env[property.getName()] = property.getValue() ?? '';
    }
  }
  const install = inStage.find(
    (i) => i.getKeyword() === 'RUN' && (i.getArgumentsContent() ?? '').startsWith('npm ci'),
  );
  const cmd = dockerfile.getCMDs().at(-1)?.getArgumentsContent() ?? '[]';
  const healthcheck = (dockerfile.getHEALTHCHECKs().at(-1)?.getArgumentsContent() ?? '')
    .replace(/^.*?CMD\s+/s, '')
    .trim();
  return {
    env,
    installCommand: install?.getArgumentsContent() ?? '',
    cmd: JSON.parse(cmd) as string[],
    healthcheck: JSON.parse(healthcheck) as string[],
  };
}
