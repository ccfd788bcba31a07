/**
 * `npm run bench`: the fleet-scale goals of issue 16, measured on this machine. Mixed dev/prod fleets (copies of the
 * example clusters with their own names, domains and subnets, scripts/mixed-fleet.ts) of 10 and 100 clusters, and
 * 1000 with `--large`. Every case runs in a fresh process through bin/platform.mjs (what the npm scripts run; synth
 * cases with the Node options of package.json's `synth` script), once untimed to warm the OS file cache and the CLI
 * bundle, then N timed runs; the median is reported. Prints a table, one line per goal (measured value, ratio, goal,
 * ok/MISSED), and as its LAST line one JSON object. Exits 1 when a measured goal is missed; goals whose case did not
 * run (`--large`, `--with-tests`) are reported as skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/paths.ts';
import { mixedFleetConfig } from './mixed-fleet.ts';

const USAGE = `Usage: npm run bench -- [--large] [--with-tests] [--runs N]

Measures synth, the no-change run, partial synth, diff, validate and peak RSS on mixed dev/prod fleets of 10 and
100 clusters and prints each speed goal (docs/output-and-performance.md) with its measured value and ratio. Exits 1 when a goal is missed.

  --large        also the 1000-cluster fleet (several minutes); without it, the 1000-cluster goals are skipped
  --with-tests   also time \`npm test\` once (goal: <= 60 s)
  --runs N       timed runs per case (median reported) [default: $BENCH_RUNS or 3]
  --help         this text (runs nothing)

Exit codes: 0 ok (every goal met or skipped); 1 a goal missed or a failure; 2 usage.`;

/** The entry every npm script (and so every timed case) runs through. */
const PLATFORM = join(PROJECT_ROOT, 'bin', 'platform.mjs');

/**
 * The Node options of the npm script `name` (`node [options] bin/platform.mjs <command>` in package.json), so that
 * each case runs the command line users run: `npm run synth` sizes V8's heap (docs/output-and-performance.md).
 * Throws when the script has another form.
 */
function scriptNodeOptions(name: string, root = PROJECT_ROOT): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const parsed = /^node((?: --[a-z-]+(?:=[\w.-]+)?)*) bin\/platform\.mjs [a-z]+$/.exec(scripts[name] ?? '');
  if (!parsed) throw new Error(`package.json: scripts.${name}: got ${JSON.stringify(scripts[name])}; allowed: node [--option[=value] ...] bin/platform.mjs <command>`);
  return parsed[1].split(' ').filter(Boolean);
}

function run(args: readonly string[], label: string, options: { cwd?: string; command?: string } = {}): { ms: number; stderr: string; stdout: string } {
  const start = performance.now();
  const r = spawnSync(options.command ?? process.execPath, args, { cwd: options.cwd ?? PROJECT_ROOT, encoding: 'utf8', maxBuffer: 256 << 20 });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
  return { ms, stderr: r.stderr, stdout: r.stdout };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Peak RSS in MiB of one CLI run, reported by the process itself on exit. */
function peakRss(args: readonly string[], cwd = PROJECT_ROOT): number {
  const hook = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nBENCH_MAXRSS="+process.resourceUsage().maxRSS+"\\n"))';
  const r = run([...scriptNodeOptions('synth'), '--import', hook, PLATFORM, ...args], 'peak RSS run', { cwd });
  return Math.round((Number(/BENCH_MAXRSS=(\d+)/.exec(r.stderr)?.[1]) / 1024) * 10) / 10;
}

/**
 * A throw-away git repository holding this checkout's files (tracked and untracked, not ignored) plus `config`
 * committed as `config-bench/`, so `diff --base HEAD` renders a real base revision with its own code.
 */
function diffRepo(root: string, config: string): string {
  const repo = join(root, 'repo');
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(PROJECT_ROOT, f))) continue; // deleted in the working tree
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    cpSync(join(PROJECT_ROOT, f), join(repo, f));
  }
  cpSync(config, join(repo, 'config-bench'), { recursive: true });
  if (!existsSync(join(repo, 'node_modules'))) symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(repo, 'node_modules'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-qm', 'bench');
  return repo;
}

interface Goal {
  readonly id: string;
  readonly text: string;
  /** Measured value shown, or undefined when the case was skipped. */
  readonly value?: string;
  readonly ratio?: number;
  readonly ok?: boolean;
}

function main(): number {
  let opts;
  try {
    opts = parseArgs({ options: { large: { type: 'boolean' }, 'with-tests': { type: 'boolean' }, runs: { type: 'string' }, help: { type: 'boolean' } } }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const runs = Number(opts.runs ?? process.env.BENCH_RUNS ?? 3);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`--runs: got ${JSON.stringify(opts.runs)}; allowed: a whole number >= 1`);
    return 2;
  }
  const began = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), 'platform-bench-'));
  try {
    const sizes = opts.large ? [10, 100, 1000] : [10, 100];
    const configs = new Map(sizes.map((n) => [n, mixedFleetConfig(join(tmp, `config-${n}`), n)]));
    let fresh = 0;
    const freshOut = () => join(tmp, `out-${fresh++}`);
    const synth = (config?: string, out = freshOut(), ...more: string[]) => ['synth', ...(config ? ['--config', config] : []), '--out', out, ...more];
    const rows: string[][] = [];
    const times: Record<string, number> = {};
    /** Node options of `npm run synth`: every synth case runs with them. */
    const synthNode = scriptNodeOptions('synth');
    /**
     * Warm-up run, then `n` timed runs of `node <launcher> ...args()` (`launcher` null: `node ...args()`), with the
     * Node options of `npm run synth` when args() is a synth; `before` runs untimed before each.
     */
    const measure = (id: string, label: string, args: () => readonly string[], o: { n?: number; before?: () => void; cwd?: string; launcher?: string | null } = {}) => {
      const n = o.n ?? runs;
      const node = (a: readonly string[]) => (a[0] === 'synth' ? synthNode : []);
      const argv = () => (o.launcher === null ? args() : [...node(args()), o.launcher ?? PLATFORM, ...args()]);
      o.before?.();
      run(argv(), label, { cwd: o.cwd });
      const t: number[] = [];
      for (let i = 0; i < n; i++) {
        o.before?.();
        t.push(run(argv(), label, { cwd: o.cwd }).ms);
      }
      times[id] = Math.round(median(t));
      rows.push([label, String(n), String(times[id]), `${Math.round(Math.min(...t))}–${Math.round(Math.max(...t))}`]);
      process.stderr.write(`  ${label}: ${times[id]} ms\n`);
    };

    measure('floor', 'node: load cdk8s + cdk8s-plus-28 (floor)', () => ['-e', "require('cdk8s'); require('cdk8s-plus-28')"], { launcher: null });
    measure('examples', 'synth (the 2 examples)', () => synth());
    for (const n of sizes) {
      const config = configs.get(n)!;
      measure(`synth${n}`, `synth, ${n} clusters (empty output folder)`, () => synth(config), { n: n >= 1000 ? 1 : n >= 100 ? Math.min(runs, 2) : runs });
      const out = join(tmp, `steady-${n}`);
      run([...synthNode, PLATFORM, ...synth(config, out)], 'populate');
      measure(`nochange${n}`, `synth, ${n} clusters, nothing changed`, () => synth(config, out));
      // A touched file invalidates that cluster's index entry: it is rendered and compared (nothing is written).
      const one = `c${String(Math.ceil(n / 2)).padStart(4, '0')}`;
      const touch = () => utimesSync(join(out, one, 'manifest.json'), new Date(), new Date());
      measure(`partial${n}`, `synth --cluster ${one} (1 of ${n})`, () => synth(config, out, '--cluster', one), { before: touch });
    }
    const examplesOut = join(tmp, 'examples');
    run([...synthNode, PLATFORM, ...synth(undefined, examplesOut)], 'synth for validate');
    measure('validate', 'validate (the 2 examples)', () => ['validate', examplesOut]);
    const repo = diffRepo(tmp, configs.get(100)!);
    // The repository's own launcher: its project root (and so its git history) is the repository.
    const diffCase = (id: string, label: string) => measure(id, label, () => ['diff', '--base', 'HEAD', '--config', 'config-bench'], { n: 1, cwd: repo, launcher: join(repo, 'bin', 'platform.mjs') });
    diffCase('diffSame', 'diff --base HEAD, 100 clusters, nothing changed');
    // The goal's case: a rendered default changes in the code (every Application of every cluster), so base and head
    // both render everything and every Application is compared.
    const defaults = join(repo, 'apps', 'addon-application.ts');
    const code = readFileSync(defaults, 'utf8');
    if (!code.includes('retry: { limit: 10,')) throw new Error(`${defaults}: the bench changes "retry: { limit: 10," and it is gone; update scripts/bench.ts`);
    writeFileSync(defaults, code.replace('retry: { limit: 10,', 'retry: { limit: 11,'));
    diffCase('diff100', 'diff --base HEAD, 100 clusters, code changed');
    if (opts['with-tests']) {
      const start = performance.now();
      const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['test', '--silent'], { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 256 << 20 });
      times.npmTest = Math.round(performance.now() - start);
      rows.push([`npm test (exit ${r.status})`, '1', String(times.npmTest), '']);
    }
    const largest = sizes[sizes.length - 1];
    const rss: Record<string, number> = {};
    for (const n of sizes) rss[n] = peakRss(synth(configs.get(n)!));

    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const from = opts.large ? 100 : 10;
    const marginal = Math.round(((times[`synth${largest}`] - times[`synth${from}`]) / (largest - from)) * 10) / 10;
    const goals: Goal[] = [
      { id: 'marginal', text: `+1 cluster (mixed fleet, ${from} → ${largest}) <= 10 ms`, value: `${marginal} ms`, ratio: ratio(marginal, 10), ok: marginal <= 10 },
      opts.large
        ? { id: 'fleet1000', text: '1000 clusters, full synth <= 15 s wall', value: `${(times.synth1000 / 1000).toFixed(1)} s`, ratio: ratio(times.synth1000, 15_000), ok: times.synth1000 <= 15_000 }
        : { id: 'fleet1000', text: '1000 clusters, full synth <= 15 s wall (needs --large)' },
      {
        id: 'memory',
        text: `peak RSS flat and <= 150 MiB (${largest} clusters; ${sizes.map((n) => `${n}: ${rss[n]}`).join(', ')} MiB)`,
        value: `${rss[largest]} MiB, ${ratio(rss[largest], rss[10])}x the 10-cluster run`,
        ratio: ratio(rss[largest], 150),
        ok: rss[largest] <= 150 && rss[largest] <= 1.5 * rss[10],
      },
      {
        id: 'noChange',
        text: `nothing changed <= 10 % of a full synth (${largest} clusters)`,
        value: `${times[`nochange${largest}`]} ms vs ${times[`synth${largest}`]} ms`,
        ratio: ratio(times[`nochange${largest}`], times[`synth${largest}`]),
        ok: times[`nochange${largest}`] <= 0.1 * times[`synth${largest}`],
      },
      {
        id: 'diff',
        text: `diff <= 2 x synth (100 clusters, a code change renders all; nothing changed: ${ratio(times.diffSame, times.synth100)}x)`,
        value: `${times.diff100} ms vs ${times.synth100} ms`,
        ratio: ratio(times.diff100, times.synth100),
        ok: times.diff100 <= 2 * times.synth100,
      },
      { id: 'floor', text: "examples' synth <= 2 x the cdk8s + cdk8s-plus-28 load", value: `${times.examples} ms vs ${times.floor} ms`, ratio: ratio(times.examples, times.floor), ok: times.examples <= 2 * times.floor },
      opts['with-tests']
        ? { id: 'npmTest', text: 'npm test <= 60 s', value: `${(times.npmTest / 1000).toFixed(1)} s`, ratio: ratio(times.npmTest, 60_000), ok: times.npmTest <= 60_000 }
        : { id: 'npmTest', text: 'npm test <= 60 s (needs --with-tests)' },
    ];

    const header = ['case', 'runs', 'median ms', 'min–max ms'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
    const machine = `${cpus().length} x ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
    console.log(`machine: ${machine}`);
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) console.log(line(r));
    console.log(`partial synth, 1 of ${largest}: ${times[`partial${largest}`]} ms; validate/synth (examples) ${ratio(times.validate, times.examples)}x`);
    console.log('goals:');
    for (const g of goals) console.log(g.value === undefined ? `  skipped  ${g.text}` : `  ${g.ok ? 'ok     ' : 'MISSED '}  ${g.text}: ${g.value} (ratio ${g.ratio})`);
    const missed = goals.filter((g) => g.ok === false).map((g) => g.id);
    console.log(JSON.stringify({ machine, runs, times, peakRssMiB: rss, marginalMsPerCluster: marginal, goals, missed, totalSeconds: Math.round((performance.now() - began) / 100) / 10 }));
    return missed.length > 0 ? 1 : 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exitCode = main();
