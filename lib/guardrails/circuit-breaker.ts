import { ALLOWED, refused, type Guard } from './guard.ts';

/**
 * Refuses once the namespace or the cluster has had its cap of applied fixes in the window: a
 * burst of fixes is a sign something larger is wrong, for a human to look at. Counted from the
 * outcome records; concurrent remediations can pass the cap by at most the remediator's
 * concurrency.
 */
export const circuitBreaker: Guard = {
  name: 'circuit-breaker',
  what: 'circuit breaker per namespace and cluster (`defaults.caps`)',
  fallback: (defaults) => {
    const caps = defaults.defaults.caps;
    return `${caps.perNamespace} and ${caps.perCluster} applied fixes per ${caps.windowMinutes} min`;
  },
  recordedAs: '`refused`: circuit open …',
  phase: 'write',
  check: async ({ config, store, now, outcome, plan }) => {
    const { perNamespace, perCluster, windowMinutes } = config.defaults.caps;
    const since = new Date(now.getTime() - windowMinutes * 60_000);
    const cluster = outcome.cluster;
    const namespace = plan.target.namespace;
    const scopes = [
      ...(namespace === undefined
        ? []
        : [{ scope: `namespace ${namespace}`, cap: perNamespace, filter: { cluster, namespace } }]),
      { scope: `cluster ${cluster ?? '(default)'}`, cap: perCluster, filter: { cluster } },
    ];
    for (const { scope, cap, filter } of scopes) {
      const applied = await store.recent({ limit: cap, filter: { ...filter, result: 'applied', since } });
      if (applied.length >= cap) {
        return refused(
          `circuit open: ${applied.length} fixes applied in ${scope} in the last ${windowMinutes} min (cap ${cap}); no more until the window passes`,
        );
      }
    }
    return ALLOWED;
  },
};
