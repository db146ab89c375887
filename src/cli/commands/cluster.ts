import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../lib/errors.js';

/**
 * `stackube up` / `stackube down`: run the project's own hack/ scripts, streaming their progress.
 * Resolves the script's exit code; rejects with AppError when the scripts are not there.
 */
export function runClusterScript(root: string, script: 'up.sh' | 'down.sh', args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const path = join(root, 'hack', script);
  if (!existsSync(path)) throw new AppError('STACKUBE_ERR_CLI_NO_SCRIPTS', `${path} not found: stackube up/down run from a source checkout of stackube`);
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path, ...args], { stdio: 'inherit', env });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
