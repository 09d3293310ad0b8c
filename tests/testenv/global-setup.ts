// jest globalSetup for the cluster suites (integration, e2e): one control plane for the run,
// shared through environment variables; each test file works in namespaces of its own.
import { startMoto, type Moto } from '../helpers/moto.ts';
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import { killStale, provision } from './processes.ts';

declare global {
  var kubemendControlPlane: ControlPlane | undefined;
  var kubemendSts: Moto | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  // Processes a crashed earlier run left behind (its teardown never ran).
  killStale();
  process.env.KUBEMEND_MOTO_SERVER ??= provision('moto.sh');
  // The AWS emulator whose STS issues the cross-account role credentials the cluster accepts.
  const sts = await startMoto();
  globalThis.kubemendSts = sts;
  const controlPlane = await startControlPlane({ stsEmulator: sts.endpoint });
  globalThis.kubemendControlPlane = controlPlane;
  process.env.KUBEMEND_TEST_KUBECONFIG = controlPlane.kubeconfig;
  process.env.KUBEMEND_TEST_K8S_VERSION = controlPlane.version;
  process.env.KUBEMEND_TEST_SERVER = controlPlane.server;
  process.env.KUBEMEND_TEST_CA_DATA = controlPlane.caData;
  process.env.KUBEMEND_TEST_AUTHENTICATOR_URL = controlPlane.authenticatorUrl;
  process.env.KUBEMEND_TEST_STS_ENDPOINT = sts.endpoint;
  process.env.KUBEMEND_TEST_BIN_DIR ??= provision('debian.sh');
  const steps = Object.entries(controlPlane.timings)
    .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}s`)
    .join(', ');
  process.stdout.write(
    `\ntestenv: control plane ${controlPlane.version} at ${controlPlane.server} ready in ${((Date.now() - started) / 1000).toFixed(1)}s (${steps})\n`,
  );
}
