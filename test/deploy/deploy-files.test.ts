// The deployable files, checked statically (test/packaging/docker-image.integration.test.ts
// builds and runs the image): the Dockerfile lints clean, runs as non-root with a health check,
// copies only what exists, and the built code imports only runtime dependencies (a dev
// dependency imported at run time would break `npm prune --omit=dev` in the image).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

describe('Dockerfile', () => {
  it('has no lint diagnostics', () => {
    expect(validate(dockerfile)).toEqual([]);
  });

  it('is multi-stage, ends as a non-root user with a health check, and pins its base', () => {
    const froms = dockerfile.match(/^FROM .*/gm) ?? [];
    expect(froms.length).toBe(2);
    for (const from of froms) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\}/);
    // The default base, when no NODE_IMAGE is passed, is a pinned official image.
    const base = dockerfile.match(/^ARG NODE_IMAGE=(\S+)$/m)?.[1];
    expect(base).toMatch(/^node:22[\w.-]*$/);
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(final).toMatch(/^USER node$/m);
    expect(final).toMatch(/^HEALTHCHECK /m);
    expect(final).toMatch(/^CMD \["node", "lib\/app\/main.js"\]$/m);
  });

  it('copies only paths that exist in the repository', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      m[1]!.split(/\s+/),
    );
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) expect(existsSync(path.join(ROOT, source)), source).toBe(true);
  });

  it('runs built code that imports only runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const imported = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.js')) {
          for (const m of readFileSync(full, 'utf8').matchAll(/(?:from |import\()'([^'.][^']*)'/g)) {
            const spec = m[1]!;
            imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
          }
        }
      }
    };
    walk(path.join(ROOT, 'lib'));
    const builtins = new Set([...builtinModules, ...builtinModules.map((b) => `node:${b}`)]);
    const missing = [...imported].filter((p) => !builtins.has(p) && !(p in pkg.dependencies));
    expect(imported.size).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });
});

interface ComposeFile {
  services: Record<
    string,
    {
      command?: string[];
      environment?: Record<string, string>;
      volumes?: string[];
      deploy?: { replicas?: number };
    }
  >;
}
const composeFile = (name: string) =>
  parse(readFileSync(path.join(ROOT, 'deploy', name), 'utf8'), { merge: true }) as ComposeFile;

describe('deploy/compose.yml (the fleet)', () => {
  it('runs app replicas without a Docker socket, an agent with its host socket, and one Postgres', () => {
    const { services } = composeFile('compose.yml');
    expect(Object.keys(services).sort()).toEqual(['agent', 'app', 'postgres']);
    expect(services.app?.deploy?.replicas).toBeGreaterThan(1);
    expect(services.app?.environment?.MEDIC_EXECUTOR).toBe('agents');
    expect(services.app?.volumes ?? []).not.toContain('/var/run/docker.sock:/var/run/docker.sock');
    expect(services.agent?.command?.slice(1, 4)).toEqual(['lib/medic.js', 'agent', '--engine']);
    expect(services.agent?.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    for (const name of ['app', 'agent'])
      expect(services[name]?.environment?.DATABASE_URL).toMatch(/postgres:\/\//);
  });
});

describe('deploy/single-host.compose.yml', () => {
  it('runs the app and the watcher from this image with the Docker socket and a database', () => {
    const { services } = composeFile('single-host.compose.yml');
    expect(Object.keys(services).sort()).toEqual(['app', 'postgres', 'watcher']);
    expect(services.watcher?.command?.slice(1, 3)).toEqual(['lib/medic.js', 'watch']);
    for (const name of ['app', 'watcher']) {
      expect(services[name]?.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
      expect(services[name]?.environment?.DATABASE_URL).toMatch(/^postgres:\/\//);
    }
  });
});

describe('examples/workflows/chatops.yml', () => {
  const workflow = parse(readFileSync(path.join(ROOT, 'examples/workflows/chatops.yml'), 'utf8')) as {
    permissions: Record<string, string>;
    concurrency: { group: string };
    jobs: { medic: { if: string; environment: string } };
  };

  it('gates the job on author_association, holds the secret in an environment, limits permissions and runs one at a time', () => {
    expect(workflow.jobs.medic.if).toContain('author_association');
    expect(workflow.jobs.medic.environment).toBeTruthy();
    expect(workflow.permissions).toEqual({ issues: 'write', contents: 'read' });
    expect(workflow.concurrency.group).toContain('github.event.issue.number');
  });
});

describe('app.yml', () => {
  it("asks only for what the app uses, including the repository's .github/medic.yml", () => {
    const manifest = parse(readFileSync(path.join(ROOT, 'app.yml'), 'utf8')) as {
      default_permissions: Record<string, string>;
      single_file_name: string;
    };
    expect(manifest.default_permissions).toEqual({
      issues: 'write',
      metadata: 'read',
      members: 'read',
      single_file: 'read',
    });
    expect(manifest.single_file_name).toBe('.github/medic.yml');
  });
});
