import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { stringify } from 'yaml';

import { freePort, startProcess, waitFor, type Managed } from './processes.ts';

/**
 * Starts the Debian-packaged Alertmanager on a free loopback port (no clustering), routing every
 * alert, grouped by alertname and namespace, to `urls` with a Bearer credential read from a file
 * (`send_resolved` on), and waits until it is ready.
 */
export async function startAlertmanager(options: {
  workDir: string;
  urls: readonly string[];
  token: string;
  repeatInterval: string;
}): Promise<{ url: string; process: Managed }> {
  const credentials = join(options.workDir, 'webhook-token');
  writeFileSync(credentials, options.token);
  const config = join(options.workDir, 'alertmanager.yml');
  writeFileSync(
    config,
    stringify({
      route: {
        receiver: 'kubemend',
        group_by: ['alertname', 'namespace'],
        group_wait: '1s',
        group_interval: '1s',
        repeat_interval: options.repeatInterval,
      },
      receivers: [
        {
          name: 'kubemend',
          webhook_configs: options.urls.map((url) => ({
            url,
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials_file: credentials } },
          })),
        },
      ],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const process = startProcess(
    'alertmanager',
    join(globalThis.process.env.KUBEMEND_TEST_BIN_DIR ?? '/usr/bin', 'prometheus-alertmanager'),
    [
      `--config.file=${config}`,
      `--storage.path=${join(options.workDir, 'alertmanager')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    options.workDir,
  );
  await waitFor(process, async () => (await fetch(`${url}/-/ready`)).ok);
  return { url, process };
}
