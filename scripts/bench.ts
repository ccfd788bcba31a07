/**
 * `npm run bench`: wall-clock cost of synth against the cost of merely loading its libraries, measured in one run
 * on one machine so the ratios hold across machines. Every case runs in a fresh process (what CI and a developer
 * pay), once untimed to warm the OS file cache and tsx's transform cache, then N timed runs; the median is reported.
 * Prints a table, then as its LAST line one JSON object with the medians (ms), the ratios and the peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/paths.ts';

// --help first, before any work (the benchmark takes minutes and writes temporary folders).
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`npm run bench

Times synth against merely loading its libraries, each case in fresh processes (several minutes).
Prints a table, then one JSON line with the medians (ms), the ratios and the peak RSS.

Environment: BENCH_RUNS  timed runs per case (default 5)

Exit codes: 0 ok; 1 failure; 2 usage.`);
  process.exit(0);
}

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** The entry every npm script (and so every timed case) runs through. */
const PLATFORM = 'bin/platform.mjs';

interface Case {
  readonly id: string;
  readonly label: string;
  readonly command: string;
  /** Arguments of run `i`; synth cases get a fresh, empty output folder each run (the worst case: every file written). */
  readonly args: (i: number) => readonly string[];
  readonly runs: number;
}

function run(c: { command: string; args: readonly string[]; label: string }, env: NodeJS.ProcessEnv = process.env): { ms: number; stderr: string } {
  const start = performance.now();
  const r = spawnSync(c.command, c.args, { cwd: PROJECT_ROOT, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${c.label} failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
  return { ms, stderr: r.stderr };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A config folder with `count` copies of the dev example, named fleet-001…; facts copied too. */
function fleetConfig(root: string, count: number): string {
  const dir = join(root, `config-${count}`);
  mkdirSync(join(dir, 'clusters'), { recursive: true });
  mkdirSync(join(dir, 'facts'), { recursive: true });
  const template = readFileSync(join(PROJECT_ROOT, 'config', 'clusters', 'dev.yaml'), 'utf8');
  const factsFile = join(PROJECT_ROOT, 'config', 'facts', 'dev.yaml');
  for (let i = 1; i <= count; i++) {
    const name = `fleet-${String(i).padStart(3, '0')}`;
    writeFileSync(join(dir, 'clusters', `${name}.yaml`), template.replace(/^name: dev$/m, `name: ${name}`));
    if (existsSync(factsFile)) cpSync(factsFile, join(dir, 'facts', `${name}.yaml`));
  }
  return dir;
}

/** Whether the CLI has a `validate` command yet (another issue builds it). */
function hasValidate(): boolean {
  const r = spawnSync(process.execPath, [PLATFORM, '--help'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  return /^\s+platform validate\b/m.test(r.stdout);
}

/** Peak RSS (KiB → MiB) of one command through bin/platform.mjs (as the timings run it), reported by the process itself on exit. */
function peakRss(args: readonly string[]): number {
  const hook = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nBENCH_MAXRSS="+process.resourceUsage().maxRSS+"\\n"))';
  const r = run({ command: process.execPath, args: ['--import', hook, PLATFORM, ...args], label: 'peak RSS run' });
  const kib = Number(/BENCH_MAXRSS=(\d+)/.exec(r.stderr)?.[1]);
  return Math.round((kib / 1024) * 10) / 10;
}

function main(): void {
  const began = performance.now();
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  const tmp = mkdtempSync(join(tmpdir(), 'platform-bench-'));
  try {
    const cfg10 = fleetConfig(tmp, 10);
    const cfg100 = fleetConfig(tmp, 100);
    const validate = hasValidate();
    const examplesOut = join(tmp, 'out-examples');
    const out = (name: string, i: number) => join(tmp, `out-${name}-${i}`);
    const synthArgs = (name: string, config?: string) => (i: number) => ['run', '--silent', 'synth', '--', ...(config ? ['--config', config] : []), '--out', out(name, i)];
    const cases: Case[] = [
      { id: 'floor', label: 'node: load cdk8s + cdk8s-plus-28 (floor)', command: process.execPath, args: () => ['-e', "require('cdk8s'); require('cdk8s-plus-28')"], runs },
      { id: 'examples', label: 'npm run synth (examples)', command: NPM, args: synthArgs('examples'), runs },
      { id: 'fleet10', label: 'npm run synth (10 clusters)', command: NPM, args: synthArgs('10', cfg10), runs },
      { id: 'fleet100', label: 'npm run synth (100 clusters)', command: NPM, args: synthArgs('100', cfg100), runs: Math.max(1, Math.ceil(runs / 2)) },
      ...(validate
        ? [{ id: 'validate', label: 'npm run validate (examples)', command: NPM, args: () => ['run', '--silent', 'validate', '--', examplesOut], runs }]
        : []),
    ];
    // What validate reads: the examples rendered once.
    run({ command: process.execPath, args: [PLATFORM, 'synth', '--out', examplesOut], label: 'synth for validate' });

    const results: Record<string, number> = {};
    const rows: string[][] = [];
    for (const c of cases) run({ ...c, args: c.args(-1) }); // warm-up, untimed (also builds the synth bundle)
    // Rounds, each running every case once: load from other processes then hits all cases alike, so ratios hold.
    const times = new Map<string, number[]>(cases.map((c) => [c.id, []]));
    for (let i = 0; i < runs; i++) {
      for (const c of cases) if (i < c.runs) times.get(c.id)!.push(run({ ...c, args: c.args(i) }).ms);
    }
    for (const c of cases) {
      const t = times.get(c.id)!;
      results[c.id] = Math.round(median(t));
      rows.push([c.label, String(c.runs), String(results[c.id]), `${Math.round(Math.min(...t))}–${Math.round(Math.max(...t))}`]);
    }
    const rss100 = peakRss(['synth', '--config', cfg100, '--out', out('100', 99)]);
    const rssExamples = peakRss(['synth', '--out', out('examples', 99)]);
    const rssValidate = validate ? peakRss(['validate', examplesOut]) : null;

    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const marginal = Math.round(((results.fleet100 - results.fleet10) / 90) * 10) / 10;
    const summary = {
      machine: `${cpus().length} x ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
      runs,
      floorMs: results.floor,
      examplesMs: results.examples,
      fleet10Ms: results.fleet10,
      fleet100Ms: results.fleet100,
      validateMs: validate ? results.validate : null,
      synthOverFloor: ratio(results.examples, results.floor),
      marginalMsPerCluster: marginal,
      fleet100OverExamples: ratio(results.fleet100, results.examples),
      validateOverSynth: validate ? ratio(results.validate, results.examples) : null,
      peakRssMiB100: rss100,
      peakRssMiBExamples: rssExamples,
      peakRssMiBValidate: rssValidate,
      targetsMet: {
        synthOverFloorLe4: results.examples <= 4 * results.floor,
        marginalLe50ms: marginal <= 50,
        fleet100OverExamplesLe10: results.fleet100 <= 10 * results.examples,
        // The validator's issue: validating both example clusters takes less time than synthesizing them.
        validateLtSynth: validate ? results.validate < results.examples : null,
      },
      totalSeconds: 0,
    };

    const header = ['case', 'runs', 'median ms', 'min–max ms'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
    console.log(`machine: ${summary.machine}`);
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) console.log(line(r));
    if (!validate) console.log('(validate: skipped, the CLI has no `validate` command yet)');
    console.log(
      `synth/floor ${summary.synthOverFloor}x (target <= 4); marginal ${marginal} ms/cluster (target <= 50); ` +
        `100 clusters/examples ${summary.fleet100OverExamples}x (target <= 10); peak RSS 100 clusters ${rss100} MiB` +
        (validate ? `; validate/synth ${summary.validateOverSynth}x (target < 1)` : ''),
    );
    summary.totalSeconds = Math.round((performance.now() - began) / 100) / 10;
    console.log(JSON.stringify(summary));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
