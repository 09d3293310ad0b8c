// esbuild plugins for the Lambda bundles (serverless.yml `custom.esbuild.plugins`; the cold-start
// bench builds with them too).
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';

import type { Plugin } from 'esbuild';

const BUILTINS = new Set(builtinModules);

/**
 * Turns `import … from 'node:http'` into a `require('node:http')` behind esbuild's lazy CommonJS
 * interop. An ES import of a built-in makes Node read every export of it, getters included, and
 * some getters load heavy internals: `http.WebSocket` loads Node's bundled undici (≈ 28 ms on a
 * 2-core machine, more than a bare Node start), `tls.rootCertificates` parses the CA store,
 * `crypto.webcrypto` builds Web Crypto. Behind require() only the exports the code uses are read.
 * A dynamic `import('node:http')` stays Node's own: behind the shim, a split chunk would export
 * only `default`, and the named exports read off the import() would be undefined.
 */
export const requireBuiltins: Plugin = {
  name: 'require-builtins',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!BUILTINS.has(name)) return undefined;
      if (args.kind === 'dynamic-import') return { path: `node:${name}`, external: true };
      if (args.kind !== 'import-statement') return undefined;
      return { path: name, namespace: 'require-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'require-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`node:${args.path}`)});`,
      loader: 'js',
    }));
  },
};

/**
 * Packages bundled from their ES module build (package.json `module`) rather than the CommonJS
 * `main` esbuild picks on platform node. `@smithy/signature-v4`'s CommonJS build require()s whole
 * `@smithy/core` submodules (serde, client, protocols: ≈ 130 KiB minified), which esbuild cannot
 * tree-shake; its ES build keeps the ≈ 15 KiB the signer uses. Only for packages whose ES build
 * runs on Node as it is.
 */
const ES_BUILDS = ['@smithy/signature-v4'];

export const preferEsBuilds: Plugin = {
  name: 'prefer-es-builds',
  setup(build) {
    const names = new RegExp(`^(${ES_BUILDS.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter: names }, async (args) => {
      const manifest = await build.resolve(`${args.path}/package.json`, {
        kind: args.kind,
        resolveDir: args.resolveDir,
      });
      if (manifest.errors.length > 0) return { errors: manifest.errors };
      const { module } = JSON.parse(readFileSync(manifest.path, 'utf8')) as { module?: string };
      return module === undefined ? undefined : { path: join(dirname(manifest.path), module) };
    });
  },
};

/**
 * What `@smithy/signature-v4` takes from `@smithy/core`'s entry modules, by the file that defines
 * it (paths relative to the entry module). Those entry modules cost the receiver's cold start
 * more than the signer itself: `serde` runs code at import the signer never needs (a UUID
 * generator that reads `globalThis.crypto`, which makes Node build Web Crypto), and `protocols`
 * and `client` reach modules with a dynamic import(), for which esbuild splits what they share
 * with the bundle into chunks the function then loads at start. The signer's imports resolve to
 * these files instead; a file that moves in a new @smithy/core fails the build, never a function.
 */
const SIGNER_IMPORTS: Record<string, Record<string, string[]>> = {
  '@smithy/core/serde': {
    './util-hex-encoding/hex-encoding.js': ['fromHex', 'toHex'],
    './util-utf8/fromUtf8.js': ['fromUtf8'],
    './util-utf8/toUint8Array.js': ['toUint8Array'],
    './is-array-buffer/is-array-buffer.js': ['isArrayBuffer'],
    './writeKey.js': ['writeKey'],
    '@smithy/core/transport': ['hasOwn'],
  },
  '@smithy/core/protocols': {
    './util-uri-escape/escape-uri.js': ['escapeUri'],
    '@smithy/core/transport': ['HttpRequest'],
  },
  '@smithy/core/client': { '@smithy/core/transport': ['normalizeProvider'] },
};

export const signerImports: Plugin = {
  name: 'signer-imports',
  setup(build) {
    const names = new RegExp(`^(${Object.keys(SIGNER_IMPORTS).join('|').replace(/[/.]/g, '\\$&')})$`);
    build.onResolve({ filter: names }, async (args) => {
      if (!args.importer.includes('/@smithy/signature-v4/dist-es/')) return undefined;
      // Resolved without an importer, so this hook hands it on to esbuild's own resolution.
      const entry = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir });
      if (entry.errors.length > 0) return { errors: entry.errors };
      return { path: entry.path, namespace: 'signer-imports', pluginData: args.path };
    });
    build.onLoad({ filter: /.*/, namespace: 'signer-imports' }, (args) => {
      const files = SIGNER_IMPORTS[args.pluginData as string] ?? {};
      const contents = Object.entries(files)
        .map(([file, exported]) => `export { ${exported.join(', ')} } from ${JSON.stringify(file)};`)
        .join('\n');
      return { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * Modules that a package require()s when it is loaded but uses only on a call the functions
 * never make (or only when something fails), by what is required and the file that requires it.
 * pino loads `./lib/transport` (for `pino.transport()`, log shipping through a worker thread) when
 * it is loaded, and with it `thread-stream`, which loads `node:worker_threads` and `node:assert`;
 * sonic-boom (pino's stdout writer) loads `node:assert` for one check when a file descriptor is
 * closed. `node:assert` costs a start more than the rest of pino: its AssertionError loads util's
 * colour support, which opens stderr. The functions log to stdout and start no transport.
 *
 * `call`: the module is a function, wrapped so that its module runs on the first call instead
 * (same export, same behaviour when called). `assert`: an `assert(value, message)` that loads
 * `node:assert` only when the value is falsy, to throw its AssertionError as before.
 */
const LAZY_REQUIRES: { path: string; importer: string; as: 'call' | 'assert' }[] = [
  { path: './lib/transport', importer: '/node_modules/pino/pino.js', as: 'call' },
  { path: './transport', importer: '/node_modules/pino/lib/tools.js', as: 'call' },
  { path: 'assert', importer: '/node_modules/sonic-boom/index.js', as: 'assert' },
];

export const lazyRequires: Plugin = {
  name: 'lazy-requires',
  setup(build) {
    const paths = [...new Set(LAZY_REQUIRES.map((lazy) => lazy.path))];
    const names = new RegExp(`^(${paths.map((path) => path.replace(/[/.]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter: names }, async (args) => {
      const lazy = LAZY_REQUIRES.find((entry) => entry.path === args.path && args.importer.endsWith(entry.importer));
      if (lazy === undefined || args.kind !== 'require-call') return undefined;
      if (lazy.as === 'assert') return { path: 'assert', namespace: 'lazy-assert' };
      const real = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-call' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-call' }, (args) => ({
      contents: [
        'let loaded;',
        `const load = () => (loaded ??= require(${JSON.stringify(args.path)}));`,
        'module.exports = function lazily(...args) { return load().apply(this, args); };',
      ].join('\n'),
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-assert' }, () => ({
      contents: [
        'module.exports = function assert(value, message) {',
        "  if (!value) require('node:assert')(value, message);",
        '};',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * Packages whose functions the bundles call only on some paths, by the exports the functions
 * import: each loads on its first call instead of at import. `yaml` (about 116 KiB minified, 11 ms
 * to load on a 2-core machine) parses only a configuration that is not JSON: the config that
 * `kubemend config export` writes for SSM, and a JSON kubeconfig, never load it
 * (`lib/document.ts`). A function importing a name not listed here fails the build.
 */
export const LAZY_PACKAGES: Record<string, string[]> = { yaml: ['parse', 'stringify'] };

export const lazyPackages: Plugin = {
  name: 'lazy-packages',
  setup(build) {
    const names = new RegExp(`^(${Object.keys(LAZY_PACKAGES).join('|')})$`);
    build.onResolve({ filter: names }, async (args) => {
      if (args.kind !== 'import-statement') return undefined;
      const real = await build.resolve(args.path, { kind: 'require-call', resolveDir: args.resolveDir });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-package', pluginData: { name: args.path } };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => ({
      contents: [
        'let loaded;',
        `const load = () => (loaded ??= require(${JSON.stringify(args.path)}));`,
        ...LAZY_PACKAGES[(args.pluginData as { name: string }).name]!.map(
          (name) => `export function ${name}(...args) { return load().${name}(...args); }`,
        ),
      ].join('\n'),
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/** Every plugin the function bundles are built with. */
export const plugins: Plugin[] = [requireBuiltins, preferEsBuilds, signerImports, lazyRequires, lazyPackages];

// serverless-esbuild reads the default export of its `plugins` file.
export default plugins;
