#!/usr/bin/env node
// `npx kubeconform …` in this project: runs a kubeconform binary found by $KUBECONFORM or on PATH, passing every
// argument and the exit code through. Nothing is downloaded: when it is missing, it says how to install it.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = realpathSync(fileURLToPath(import.meta.url));
const NAMES = process.platform === 'win32' ? ['kubeconform.exe', 'kubeconform.cmd', 'kubeconform'] : ['kubeconform'];

function executable(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    // npx puts node_modules/.bin on PATH, where `kubeconform` is this script: never run ourselves.
    return realpathSync(path) !== SELF;
  } catch {
    return false;
  }
}

export function findKubeconform(env = process.env) {
  if (env.KUBECONFORM) return executable(env.KUBECONFORM) ? env.KUBECONFORM : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of NAMES) {
      const candidate = join(dir, name);
      if (executable(candidate)) return candidate;
    }
  }
  return undefined;
}

export const INSTALL_HELP = `kubeconform is not installed (looked at $KUBECONFORM, then every folder on PATH).
Install v0.7.0 or later, then run again:
  - Go:        go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0
  - Homebrew:  brew install kubeconform
  - Release:   https://github.com/yannh/kubeconform/releases (put the binary on PATH)
Or point KUBECONFORM at the binary: KUBECONFORM=/path/to/kubeconform npx kubeconform …
Nothing is downloaded automatically. The built-in engine (npm run validate) needs no kubeconform.`;

function main() {
  const bin = findKubeconform();
  if (!bin) {
    if (process.env.KUBECONFORM) console.error(`KUBECONFORM=${process.env.KUBECONFORM} is not an executable file.\n`);
    console.error(INSTALL_HELP);
    return 127;
  }
  const res = spawnSync(bin, process.argv.slice(2), { stdio: 'inherit' });
  if (res.error) {
    console.error(`cannot run ${bin}: ${res.error.message}`);
    return 126;
  }
  return res.status ?? 1;
}

if (process.argv[1] && realpathSync(process.argv[1]) === SELF) process.exit(main());
