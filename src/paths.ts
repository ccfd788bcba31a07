import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root folder, whatever the working directory. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where the pinned upstream data (CRDs, Kubernetes schemas, chart values) is read from:
 * `--upstream DIR`, else $PLATFORM_UPSTREAM, else `../shared/upstream` beside the checkout (the CI layout).
 */
export function upstreamDir(argv: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): string {
  const i = argv.indexOf('--upstream');
  if (i >= 0 && argv[i + 1]) return resolve(argv[i + 1]);
  if (env.PLATFORM_UPSTREAM) return resolve(env.PLATFORM_UPSTREAM);
  return resolve(PROJECT_ROOT, '..', 'shared', 'upstream');
}
