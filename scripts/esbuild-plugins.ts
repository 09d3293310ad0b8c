// esbuild plugins for the Lambda bundles (serverless.yml `custom.esbuild.plugins`; the cold-start
// bench builds with them too).
import { builtinModules } from 'node:module';

import type { Plugin } from 'esbuild';

const BUILTINS = new Set(builtinModules);

/**
 * Turns `import … from 'node:http'` into a `require('node:http')` behind esbuild's lazy CommonJS
 * interop. An ES import of a built-in makes Node read every export of it, getters included, and
 * some getters load heavy internals: `http.WebSocket` loads Node's bundled undici (≈ 28 ms on a
 * 2-core machine, more than a bare Node start), `tls.rootCertificates` parses the CA store,
 * `crypto.webcrypto` builds Web Crypto. Behind require() only the exports the code uses are read.
 */
export const requireBuiltins: Plugin = {
  name: 'require-builtins',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!BUILTINS.has(name) || (args.kind !== 'import-statement' && args.kind !== 'dynamic-import')) {
        return undefined;
      }
      return { path: name, namespace: 'require-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'require-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`node:${args.path}`)});`,
      loader: 'js',
    }));
  },
};

// serverless-esbuild reads the default export of its `plugins` file.
export default [requireBuiltins];
