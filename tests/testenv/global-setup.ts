// jest globalSetup for the cluster suites (integration, e2e): one control plane for the run,
// shared through environment variables; each test file works in namespaces of its own.
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import { provision } from './processes.ts';

declare global {
  var kubemendControlPlane: ControlPlane | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const controlPlane = await startControlPlane();
  globalThis.kubemendControlPlane = controlPlane;
  process.env.KUBEMEND_TEST_KUBECONFIG = controlPlane.kubeconfig;
  process.env.KUBEMEND_TEST_K8S_VERSION = controlPlane.version;
  process.env.KUBEMEND_MOTO_SERVER ??= provision('moto.sh');
  process.env.KUBEMEND_TEST_BIN_DIR ??= provision('debian.sh');
  const steps = Object.entries(controlPlane.timings)
    .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}s`)
    .join(', ');
  process.stdout.write(
    `\ntestenv: control plane ${controlPlane.version} at ${controlPlane.server} ready in ${((Date.now() - started) / 1000).toFixed(1)}s (${steps})\n`,
  );
}
