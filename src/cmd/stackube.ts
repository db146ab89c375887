#!/usr/bin/env node
// stackube: the operator's and tenant's CLI. Reads env and argv here only.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { splitArgs } from '../config/schema.js';
import { systemClock } from '../lib/clock.js';
import { ValidationError } from '../lib/errors.js';
import { resolveCloud } from '../openstack/core/clouds.js';
import { runCredential, forgetCredential } from '../cli/commands/credential.js';
import { runClusterScript } from '../cli/commands/cluster.js';
import { writeLoginKubeconfig } from '../cli/commands/login.js';
import { cliFailure } from '../cli/errors.js';
import { EXIT } from '../cli/exit-codes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const USAGE = `usage: stackube <command> [flags]

commands:
  up [--no-webhook]          install, build and start the single-machine cloud (Kubernetes + Keystone + Stackube)
  down [--purge]             stop everything 'up' started (--purge also deletes its state)
  login --os-cloud NAME [--kubeconfig FILE] [--server URL] [--certificate-authority FILE]
                             write a kubeconfig that logs in to Kubernetes with Keystone
  credential [--os-cloud NAME] [--no-cache]
                             kubectl exec credential plugin: print an ExecCredential with a Keystone token
  logout [--os-cloud NAME]   forget the cached token
  help                       this text

credentials come from clouds.yaml (--os-cloud / OS_CLOUD, OS_CLIENT_CONFIG_FILE) or OS_* variables.
exit codes: 0 ok, 1 failure, 2 usage or bad input, 3 Keystone refused the credentials, 4 unreachable.
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const { flags, positionals } = splitArgs(rest, ['no-cache', 'purge', 'no-webhook', 'help']);
  const known = (allowed: string[]): void => {
    const bad = Object.keys(flags).filter((f) => !allowed.includes(f));
    if (bad.length > 0 || positionals.length > 0) throw new ValidationError(`stackube ${cmd ?? ''}: unexpected ${[...bad.map((b) => `--${b}`), ...positionals].join(', ')}`);
  };
  const cloud = (): ReturnType<typeof resolveCloud> =>
    resolveCloud({ env: process.env, cloud: flags['os-cloud'], cloudsFile: process.env['OS_CLIENT_CONFIG_FILE'], cwd: process.cwd(), home: homedir() });
  const cacheDir = join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'stackube', 'tokens');
  switch (cmd) {
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return cmd === undefined ? EXIT.USAGE : EXIT.OK;
    case 'up':
      known(['no-webhook']);
      return runClusterScript(ROOT, 'up.sh', flags['no-webhook'] ? ['--no-webhook'] : [], process.env);
    case 'down':
      known(['purge']);
      return runClusterScript(ROOT, 'down.sh', flags['purge'] ? ['--purge'] : [], process.env);
    case 'credential': {
      known(['os-cloud', 'no-cache']);
      const out = await runCredential({ cloud: cloud(), execInfo: process.env['KUBERNETES_EXEC_INFO'], cacheDir: flags['no-cache'] ? undefined : cacheDir, clock: systemClock, sleep: (ms) => sleep(ms) });
      process.stdout.write(out);
      return EXIT.OK;
    }
    case 'logout':
      known(['os-cloud']);
      forgetCredential(cacheDir, cloud());
      process.stdout.write('cached token removed\n');
      return EXIT.OK;
    case 'login': {
      known(['os-cloud', 'kubeconfig', 'server', 'certificate-authority']);
      const name = flags['os-cloud'] ?? process.env['OS_CLOUD'];
      if (!name) throw new ValidationError('stackube login needs --os-cloud NAME (a cloud in clouds.yaml)');
      const state = process.env['STACKUBE_STATE'] ?? '/var/lib/stackube';
      // Prove the credentials work before writing anything.
      await runCredential({ cloud: cloud(), execInfo: undefined, cacheDir, clock: systemClock, sleep: (ms) => sleep(ms) });
      const out = writeLoginKubeconfig({
        server: flags['server'] ?? 'https://127.0.0.1:6443',
        caFile: flags['certificate-authority'] ?? join(state, 'pki', 'ca.crt'),
        cloud: name,
        cloudsFile: process.env['OS_CLIENT_CONFIG_FILE'] ? resolve(process.env['OS_CLIENT_CONFIG_FILE']) : undefined,
        self: [process.execPath, fileURLToPath(import.meta.url)],
        out: resolve(flags['kubeconfig'] ?? join(homedir(), '.kube', `stackube-${name}.kubeconfig`)),
        contextName: `stackube-${name}`,
      });
      process.stdout.write(`logged in as cloud "${name}"; use it with:\n  export KUBECONFIG=${out}\n  kubectl get pods\n`);
      return EXIT.OK;
    }
    default:
      throw new ValidationError(`unknown command "${cmd}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
  const f = cliFailure(e);
  process.stderr.write(`stackube: ${f.message}\n`);
  process.exit(f.code);
});
