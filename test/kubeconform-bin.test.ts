/** bin/kubeconform.js: finds kubeconform by $KUBECONFORM or PATH, passes arguments and exit code, never runs itself. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'kubeconform.js');
const work = mkdtempSync(join(tmpdir(), 'kubeconform-bin-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A stand-in kubeconform that records its arguments, one per line, and exits with 3. */
function standIn(dir: string, name = 'kubeconform'): { path: string; record: string } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const record = join(dir, 'argv.txt');
  writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "$@" > "${record}"\nexit 3\n`);
  chmodSync(path, 0o755);
  return { path, record };
}

function run(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
}

describe.skipIf(process.platform === 'win32')('bin/kubeconform.js', () => {
  it('runs the executable named by KUBECONFORM with every argument and passes its exit code on', () => {
    const { path, record } = standIn(join(work, 'env'));
    const res = run(['-strict', '-summary', '-schema-location', '{{ .Group }}/x.json', 'dist/dev/a b.yaml'], { PATH: '', KUBECONFORM: path });
    expect(res.status).toBe(3);
    expect(readFileSync(record, 'utf8').split('\n').slice(0, -1)).toEqual(['-strict', '-summary', '-schema-location', '{{ .Group }}/x.json', 'dist/dev/a b.yaml']);
  });

  it('finds kubeconform on PATH, skipping its own npm bin link', () => {
    const own = join(work, 'node_modules-bin');
    mkdirSync(own, { recursive: true });
    symlinkSync(BIN, join(own, 'kubeconform'));
    const { record } = standIn(join(work, 'path'));
    const res = run(['-v'], { PATH: `${own}:${join(work, 'path')}` });
    expect(res.status).toBe(3);
    expect(readFileSync(record, 'utf8')).toBe('-v\n');
  });

  it('explains how to install kubeconform when PATH is empty, and exits 127', () => {
    const res = run(['-v'], { PATH: '' });
    expect(res.status).toBe(127);
    expect(res.stderr).toContain('kubeconform is not installed (looked at $KUBECONFORM, then every folder on PATH).');
    expect(res.stderr).toContain('go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0');
    expect(res.stderr).toContain('Nothing is downloaded automatically.');
  });

  it('names a KUBECONFORM that is not executable', () => {
    const res = run(['-v'], { PATH: '', KUBECONFORM: join(work, 'missing') });
    expect(res.status).toBe(127);
    expect(res.stderr).toContain(`KUBECONFORM=${join(work, 'missing')} is not an executable file.`);
  });
});
