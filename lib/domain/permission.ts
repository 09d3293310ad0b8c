/**
 * One RBAC rule a unit needs: what a detector reads, what an audit lists, what a fix writes. The
 * generated RBAC in `infra/kubernetes/` is built from and checked against these.
 */
export interface Permission {
  apiGroup: string;
  resource: string;
  verbs: readonly string[];
  /** Needed across the cluster (nodes, or pods on a node in any namespace): bound cluster-wide. */
  clusterScoped?: boolean;
}
