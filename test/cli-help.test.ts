/**
 * One CLI convention: `--help` of every command and subcommand changes nothing and shows the `npm run <command> -- …`
 * forms users type; bad folders given to validate get one clear line and exit code 2.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { npmForm, skipHelpCache } from '../src/cli.ts';
import { progress } from '../src/progress.ts';
import { PROJECT_ROOT } from '../src/paths.ts';
import { tempDir } from './helpers.ts';

const run = promisify(execFile);

/** Every file of the project (but .git, node_modules and .cache, the launcher's git-ignored bundle cache) with size and mtime. */
function snapshot(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        if (!['.git', 'node_modules', '.cache'].includes(e.name)) walk(full);
      } else {
        const s = statSync(full);
        out.set(relative(PROJECT_ROOT, full), `${s.size}:${s.mtimeMs}`);
      }
    }
  };
  walk(PROJECT_ROOT);
  return out;
}

async function npm(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('npm', ['run', '--silent', script, '--', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const HELP: [string, string[]][] = [
  ['synth', []],
  ['validate', []],
  ['diff', []],
  ['facts', []],
  ['facts', ['pull']],
  ['bootstrap', []],
  ['bootstrap', ['render']],
  ['bootstrap', ['plan']],
  ['bootstrap', ['deploy']],
  ['bootstrap', ['gitops']],
  ['upstream', []],
  ['upstream', ['pin']],
  ['import', []],
  ['docs', []],
  ['bench', []],
];

describe('CLI convention', () => {
  it('--help of every command and subcommand changes no file and shows npm run forms', async () => {
    const before = snapshot();
    const results = await Promise.all(HELP.map(([script, sub]) => npm(script, [...sub, '--help']).then((r) => ({ script, sub, ...r }))));
    for (const r of results) {
      const label = `npm run ${r.script} -- ${[...r.sub, '--help'].join(' ')}`;
      expect(r.code, `${label}: ${r.stderr}`).toBe(0);
      expect(r.stdout, label).toContain(`npm run ${r.script}`);
      expect(r.stdout, label).not.toMatch(/(^|\s)platform (synth|validate|diff|facts|bootstrap)/m);
      expect(r.stdout, label).toMatch(/Exit codes: 0 ok/);
    }
    expect(snapshot()).toEqual(before);
  }, 120_000);

  it('runs a command without laying out its help, and still shows the same help on --help', async () => {
    const build = (skip: boolean) => {
      const cli = yargs([]).scriptName('npm run').command('synth', 'Render', (y) => y.option('out', { type: 'string', describe: 'Output folder' }), () => {});
      if (skip) skipHelpCache(cli as never);
      const usage = (cli as unknown as { getInternalMethods(): { getUsageInstance(): { help(): string } } }).getInternalMethods().getUsageInstance();
      let layouts = 0;
      const help = usage.help.bind(usage);
      usage.help = () => (layouts++, help());
      return { cli, layouts: () => layouts };
    };
    const plain = build(false);
    await plain.cli.parseAsync(['synth', '--out', 'x']);
    // What yargs does by default (the cost this skips): one help layout per command run.
    expect(plain.layouts()).toBe(1);
    const skipped = build(true);
    await skipped.cli.parseAsync(['synth', '--out', 'x']);
    expect(skipped.layouts()).toBe(0);
    const helpOf = async (cli: ReturnType<typeof build>['cli']) => {
      let text = '';
      await cli.exitProcess(false).parseAsync(['synth', '--help'], {}, (_err, _argv, output) => {
        text = output;
      });
      return text;
    };
    expect(await helpOf(build(true).cli)).toBe(await helpOf(build(false).cli));
    expect(await helpOf(build(true).cli)).toContain('Output folder');
  });

  it('writes examples as npm run forms', () => {
    expect(npmForm('$0 synth')).toBe('npm run synth');
    expect(npmForm('$0 facts pull --cluster dev --profile dev-admin')).toBe('npm run facts -- pull --cluster dev --profile dev-admin');
    expect(npmForm('npm run docs -- --check')).toBe('npm run docs -- --check');
  });

  it('validate: a missing folder is one line and exit code 2', async () => {
    const missing = join(tempDir(), 'nope');
    const r = await npm('validate', [missing]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([`validate: ${relative(PROJECT_ROOT, missing)}: no such folder; allowed: dist/, one cluster folder such as dist/dev, or a folder of rendered YAML`]);
  }, 60_000);

  it('validate: a folder of config files says it is not rendered output, in one line', async () => {
    const r = await npm('validate', ['test/fixtures/config/clusters']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      'validate: test/fixtures/config/clusters: not rendered output (no file has apiVersion and kind); allowed: dist/, one cluster folder such as dist/dev, or a folder of rendered YAML',
    ]);
  }, 60_000);

  it('validate --cluster: an unknown cluster names the folders there', async () => {
    const dist = tempDir();
    for (const name of ['alpha', 'beta']) mkdirSync(join(dist, name, 'apps'), { recursive: true });
    const r = await npm('validate', [dist, '--cluster', 'gamma']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`validate: --cluster gamma: no folder ${join(relative(PROJECT_ROOT, dist), 'gamma')}; allowed: alpha, beta`);
  }, 60_000);

  it('shows progress on stderr only when it is a terminal and --quiet is off', () => {
    const sink = (isTTY: boolean) => {
      const written: string[] = [];
      return { written, stream: { isTTY, write: (text: string) => written.push(text) > 0 } };
    };
    const pipe = sink(false);
    progress('validate', { stream: pipe.stream }).step('checking dist/');
    expect(pipe.written).toEqual([]);
    const quiet = sink(true);
    progress('validate', { stream: quiet.stream, quiet: true }).step('checking dist/');
    expect(quiet.written).toEqual([]);
    const tty = sink(true);
    const p = progress('validate', { stream: tty.stream });
    p.step('checking dist/');
    p.done();
    expect(tty.written).toEqual(['\r\x1b[Kvalidate: checking dist/ (0 s)', '\r\x1b[K']);
  });
});
