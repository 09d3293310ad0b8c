// jest globalTeardown: stops every process the setup started, by pid, whatever the tests did.
export default async function globalTeardown(): Promise<void> {
  await globalThis.kubemendControlPlane?.stop();
  await globalThis.kubemendSts?.stop();
}
