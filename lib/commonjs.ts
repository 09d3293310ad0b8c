/**
 * The exports of a CommonJS package loaded with `import()`. Node gives them as named exports and
 * as `default` (its `module.exports`); a chunk of the functions' bundles (esbuild, with
 * splitting) gives them only as `default`, so `(await import('cjs-package')).name` is undefined
 * there. Reading `default` when it is an object works for both. Only for CommonJS packages: an ES
 * module's `default` is its own export.
 *
 * @example
 * const { EKSClient } = commonJsExports(await import('@aws-sdk/client-eks'));
 */
export function commonJsExports<T extends object>(namespace: T): T {
  const exported = (namespace as { default?: unknown }).default;
  return (typeof exported === 'object' && exported !== null ? exported : namespace) as T;
}
