// One esbuild configuration for the shipped bundles (the action's dist/index.js and the CLI's
// lib/medic.js): a single ESM file, minified, no timestamps or absolute paths, so the same
// source gives the same bytes.
import { build } from 'esbuild';

// Two things the Docker client loads at start-up that medic never uses, stubbed in the
// bundles (each stub says so if it is ever reached):
// - dockerode's BuildKit sessions (buildImage with version "2") pull in gRPC and protobuf:
//   about 100 ms of every CLI start;
// - docker-modem's ssh:// transport pulls in ssh2 (~30 ms); medic's config refuses ssh:// hosts.
const STUBS = {
  session:
    'module.exports = function withSession() { throw new Error("BuildKit sessions are not included in the workspace-medic bundle"); };',
  ssh2: 'module.exports = { Client: function Client() { throw new Error("ssh:// Docker hosts are not supported by workspace-medic"); } };',
};

const stubUnusedDockerParts = {
  name: 'stub-unused-docker-parts',
  setup(b) {
    b.onResolve({ filter: /^(\.\/session|ssh2)$/ }, (args) => {
      if (args.path === './session' && args.importer.includes('node_modules/dockerode/')) {
        return { path: 'session', namespace: 'medic-stub' };
      }
      if (args.path === 'ssh2' && args.importer.includes('node_modules/docker-modem/')) {
        return { path: 'ssh2', namespace: 'medic-stub' };
      }
      return undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'medic-stub' }, (args) => ({
      contents: STUBS[args.path],
      loader: 'js',
    }));
  },
};

/**
 * One entry into one file (`outfile`), or (`outdir`) into an entry file and chunks that load
 * only when a dynamic import() reaches them (the CLI: a command's code when it runs).
 */
export async function bundle({ root, entry, outfile, outdir, banner = true }) {
  await build({
    absWorkingDir: root,
    entryPoints: [entry],
    ...(outdir
      ? { outdir, splitting: true, entryNames: '[name]', chunkNames: 'chunks/[name]-[hash]' }
      : { outfile }),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    legalComments: 'none',
    // The embedded database is loaded on demand and ships as its own package (it has wasm
    // files beside it); ssh2's optional native helper is never reached.
    external: ['@electric-sql/pglite', 'cpu-features', '*.node'],
    plugins: [stubUnusedDockerParts],
    // CommonJS dependencies use require() and __dirname; give the ESM bundle both.
    banner: !banner
      ? undefined
      : {
          js: [
            "import { createRequire as __medicRequire } from 'node:module';",
            "import { fileURLToPath as __medicPath } from 'node:url';",
            'const require = __medicRequire(import.meta.url);',
            'const __filename = __medicPath(import.meta.url);',
            "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
          ].join(' '),
        },
    logLevel: 'warning',
  });
}
