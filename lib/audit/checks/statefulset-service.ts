import type { V1Service, V1StatefulSet } from '@kubernetes/client-node';

import type { Finding } from '../finding.ts';
import { auditFinding, type AuditCheck } from './check.ts';

/** A StatefulSet naming a governing Service that does not exist: its pods get no stable DNS names. */
export function checkStatefulSetService(sts: V1StatefulSet, services: readonly V1Service[]): Finding[] {
  const serviceName = sts.spec?.serviceName;
  if (serviceName === undefined || serviceName === '') return [];
  const namespace = sts.metadata?.namespace;
  if (services.some((s) => s.metadata?.name === serviceName && s.metadata.namespace === namespace)) return [];
  return [
    auditFinding(
      'StatefulSet',
      namespace,
      sts.metadata?.name ?? '',
      'missing-governing-service',
      `statefulset ${sts.metadata?.name ?? ''} names governing service ${serviceName}, which does not exist: its pods get no stable network identity (DNS names)`,
      [`spec.serviceName: ${serviceName}`],
    ),
  ];
}

export const statefulSetService: AuditCheck = {
  name: 'statefulset-service',
  description: 'StatefulSets naming a governing Service that does not exist (no stable DNS names).',
  lists: ['StatefulSet', 'Service'],
  // Every StatefulSet naming a Service is kept (whether it exists is known only once Services
  // stream), and of the Services only those some StatefulSet names.
  keeps: () => {
    const named = new Set<string>();
    return {
      StatefulSet: (sts) => {
        const serviceName = sts.spec?.serviceName;
        if (serviceName === undefined || serviceName === '') return false;
        named.add(`${sts.metadata?.namespace ?? ''}/${serviceName}`);
        return true;
      },
      Service: (service) => named.has(`${service.metadata?.namespace ?? ''}/${service.metadata?.name ?? ''}`),
    };
  },
  check: (listing) => listing.of('StatefulSet').flatMap((sts) => checkStatefulSetService(sts, listing.of('Service'))),
};
