import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeStore, loadConfig } from '../src/config/config.js';
import { ROOT, runtimeStage } from './dockerfile-model.js';

/**
 * examples/shared-sandbox (issue 16): PostgreSQL, two replicas, nginx. No Docker engine runs
 * here, so the Compose file and nginx.conf are checked as files: what each service is, how they
 * find each other, and that each health check runs a program its image has.
 */

const FOLDER = resolve(ROOT, 'examples/shared-sandbox');
const composeText = readFileSync(resolve(FOLDER, 'docker-compose.yml'), 'utf8');
const nginxConf = readFileSync(resolve(FOLDER, 'nginx.conf'), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[]; interval?: string };
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(composeText) as {
  name: string;
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`no service ${name} in docker-compose.yml`);
  return found;
}

/** Compose's `${NAME:-default}` and `${NAME:?message}`, with nothing set but `given`. */
function interpolate(text: string, given: Record<string, string> = {}): string {
  return text.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_all, name: string, kind, rest) => {
    if (given[name] !== undefined) return given[name];
    if (kind === '-') return rest as string;
    throw new Error(`${name} must be set: ${rest as string}`);
  });
}

const replicas = ['sandbox-1', 'sandbox-2'];

describe('the shared sandbox example (Compose)', () => {
  it('runs PostgreSQL, two sandbox replicas and nginx', () => {
    expect(Object.keys(services).sort()).toEqual(['gateway', 'postgres', 'sandbox-1', 'sandbox-2']);
    expect(Object.keys(compose.volumes)).toEqual(['postgres-data']);
  });

  it('uses the official PostgreSQL image with its data in a volume, healthy once pg_isready says so', () => {
    const postgres = service('postgres');
    expect(postgres.image).toMatch(/^postgres:1[3-7]$/);
    // Until 17 the official image keeps its data here (18 moved it).
    expect(postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    const env = postgres.environment ?? {};
    expect(postgres.healthcheck?.test).toEqual([
      'CMD',
      'pg_isready',
      '-U',
      env.POSTGRES_USER,
      '-d',
      env.POSTGRES_DB,
    ]);
  });

  it("builds both replicas from the repository's Dockerfile, checking health as the image does", () => {
    const health = runtimeStage().healthcheck;
    for (const name of replicas) {
      const replica = service(name);
      const context = resolve(FOLDER, replica.build?.context ?? '.');
      expect(context).toBe(resolve(ROOT));
      expect(existsSync(resolve(context, replica.build?.dockerfile ?? ''))).toBe(true);
      // The image has node (and no curl): the Dockerfile's own HEALTHCHECK command.
      expect(replica.healthcheck?.test).toEqual(['CMD', ...health]);
      expect(health[0]).toBe('node');
      for (const volume of replica.volumes ?? []) {
        expect(existsSync(resolve(FOLDER, volume.split(':')[0] ?? ''))).toBe(true);
      }
    }
  });

  it('points both replicas at the PostgreSQL service, with its user, password and database', () => {
    const env = service('postgres').environment ?? {};
    for (const name of replicas) {
      const url = new URL(
        interpolate(service(name).environment?.SANDBOX_DB ?? '', { SANDBOX_ADMIN_TOKEN: 'x' }),
      );
      expect(url.protocol).toBe('postgres:');
      expect(url.hostname).toBe('postgres');
      expect(url.port).toBe('5432');
      expect(url.username).toBe(env.POSTGRES_USER);
      expect(url.password).toBe(interpolate(env.POSTGRES_PASSWORD ?? ''));
      expect(url.pathname).toBe(`/${env.POSTGRES_DB}`);
    }
  });

  it('refuses to start without an admin token, since anyone reaching the gateway could use the admin API', () => {
    const token = service('sandbox-1').environment?.SANDBOX_ADMIN_TOKEN ?? '';
    expect(() => interpolate(token)).toThrow('SANDBOX_ADMIN_TOKEN must be set');
  });

  it('starts each service only once what it needs is healthy, and every such service has a health check', () => {
    expect(service('sandbox-1').depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(service('gateway').depends_on).toEqual({
      'sandbox-1': { condition: 'service_healthy' },
      'sandbox-2': { condition: 'service_healthy' },
    });
    for (const [name, entry] of Object.entries(services)) {
      expect(entry.healthcheck?.test.length, name).toBeGreaterThan(1);
      for (const [needed, { condition }] of Object.entries(entry.depends_on ?? {})) {
        expect(services[needed], `${name} depends on ${needed}`).toBeDefined();
        expect(condition).toBe('service_healthy');
      }
    }
  });

  it('publishes nginx (official image, 1.28 or later) on 4010, checking health through it with curl', () => {
    const gateway = service('gateway');
    const [, minor = '0'] = /^nginx:1\.(\d+)$/.exec(gateway.image ?? '') ?? [];
    // `resolve` in an upstream needs 1.27.3; the Debian-based image (not -alpine) ships curl.
    expect(Number(minor)).toBeGreaterThanOrEqual(28);
    expect(gateway.ports).toEqual(['4010:80']);
    expect(gateway.volumes).toEqual(['./nginx.conf:/etc/nginx/nginx.conf:ro']);
    expect(existsSync(resolve(FOLDER, 'nginx.conf'))).toBe(true);
    expect(gateway.healthcheck?.test).toEqual([
      'CMD',
      'curl',
      '-fsS',
      '-o',
      '/dev/null',
      'http://127.0.0.1/__sandbox/health',
    ]);
  });

  it('no longer says, in the file or its README, that it waits for the PostgreSQL store', () => {
    expect(composeText).not.toContain('NOT WORKING YET');
    const readme = readFileSync(resolve(FOLDER, 'README.md'), 'utf8');
    expect(readme).not.toContain('does not run yet');
    expect(readme).toContain('act as one gateway');
  });

  it("selects the PostgreSQL store in this version's configuration, showing the URL without the password", () => {
    const url = interpolate(service('sandbox-1').environment?.SANDBOX_DB ?? '', {
      POSTGRES_PASSWORD: 'pw-from-compose',
    });
    const config = loadConfig({ SANDBOX_DB: url });
    expect(config.store).toEqual({
      kind: 'postgres',
      url,
      display: 'postgres://sandbox@postgres:5432/sandbox',
    });
    expect(describeStore(config.store)).not.toContain('pw-from-compose');
  });
});

describe("the shared sandbox example's nginx.conf", () => {
  const code = nginxConf.replace(/#.*$/gm, '');

  it('has balanced blocks and every directive ended', () => {
    expect(code.split('{').length).toBe(code.split('}').length);
    for (const line of code.split('\n').map((l) => l.trim())) {
      if (line !== '') expect(line, line).toMatch(/[{};]$/);
    }
  });

  it('balances over exactly the replicas, at the port the image listens on', () => {
    const port = runtimeStage().env.PORT;
    const servers = [...code.matchAll(/^\s*server\s+([\w.-]+):(\d+)\b/gm)].map(
      ([, host, p]) => `${host}:${p}`,
    );
    expect(servers).toEqual(replicas.map((name) => `${name}:${port}`));
  });

  it('looks the replicas up again through Docker’s DNS, which `resolve` needs with a zone', () => {
    expect(code).toMatch(/resolver 127\.0\.0\.11 valid=\d+s/);
    expect(code).toMatch(/zone sandbox \d+k;/);
    expect(code.match(/ resolve /g)).toHaveLength(replicas.length);
  });

  it('listens on the port Compose publishes', () => {
    const [, inside] = (service('gateway').ports?.[0] ?? '').split(':');
    expect(code).toContain(`listen ${inside};`);
  });

  it('never resends a request that reached a replica, and passes the Host the client used', () => {
    expect(code).toContain('proxy_next_upstream error timeout;');
    expect(code).not.toContain('non_idempotent');
    expect(code).toContain('proxy_set_header Host $http_host;');
  });

  it('lets long polls and live events through unbuffered, past the 120 s a wait may take', () => {
    const admin = /location \/__sandbox\/ \{([^}]*)\}/.exec(code)?.[1] ?? '';
    expect(admin).toContain('proxy_buffering off;');
    expect(admin).toMatch(/proxy_read_timeout (\d+h|[2-9]\d{2,}s);/);
  });
});
