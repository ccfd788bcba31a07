/**
 * Text (terminal, CI log) and Markdown (pull-request comment) renderings of a DiffReport: the summary first
 * (per cluster, per Application, Terraform-style counts, warnings), then one unified diff per resource.
 */
import type { ClusterDiff, DiffReport, FromTo, GroupDiff, Warning } from './engine.ts';
import { FLEET_DIR } from '../../config/labels.ts';
import { scrubText } from './redact.ts';

/** Starts the pull-request comment, so the workflow finds and updates its own comment, never another one's. */
export const COMMENT_MARKER = '<!-- platform-diff -->';

const FLEET_TITLE = 'Fleet (management Argo CD)';

/** How a top-level folder of dist/ is named in the report: `dist/_fleet` is the fleet, not a cluster. */
export function clusterTitle(name: string): string {
  return name === FLEET_DIR ? FLEET_TITLE : `Cluster ${name}`;
}

/** The name column/heading: the cluster's name, or the fleet's title. */
function shortTitle(name: string): string {
  return name === FLEET_DIR ? FLEET_TITLE : name;
}

export interface FormatOptions {
  /** What was compared, e.g. `main@1a2b3c4` and `working tree`. */
  readonly baseLabel: string;
  readonly headLabel: string;
  /** Lines printed before the summary (e.g. how the base was rendered). @default [] */
  readonly notes?: readonly string[];
}

export interface MarkdownOptions extends FormatOptions {
  /** GitHub rejects comments longer than 65,536 characters. @default 65536 */
  readonly maxChars?: number;
}

/** How many changed Helm values a summary lists before "… and N more". */
const MAX_VALUE_LINES = 15;

const MARK = { added: '+', removed: '-', changed: '~', modified: '~' } as const;

function fromTo(c: FromTo): string {
  if (c.from === undefined) return `${c.what}: (new) ${c.to}`;
  if (c.to === undefined) return `${c.what}: ${c.from} (removed)`;
  return `${c.what}: ${c.from} → ${c.to}`;
}

function counts(g: Pick<GroupDiff, 'counts'>): string {
  return `${g.counts.add} to add, ${g.counts.change} to change, ${g.counts.destroy} to destroy`;
}

function groupTitle(g: GroupDiff): string {
  const wave = g.wave !== null ? ` (wave ${g.wave})` : '';
  return `${MARK[g.change]} ${g.name}${wave}: ${counts(g)}`;
}

/** The summary lines of one group (without its title). */
export function detailLines(g: GroupDiff): string[] {
  const lines: string[] = [];
  for (const c of g.charts) lines.push(`chart ${fromTo(c)}`);
  for (const c of g.images) lines.push(`image ${fromTo(c)}`);
  for (const c of g.waves) lines.push(fromTo(c));
  for (const c of g.projects) lines.push(fromTo(c));
  for (const c of g.destinations) lines.push(fromTo(c));
  for (const c of g.values.slice(0, MAX_VALUE_LINES)) lines.push(`values.${fromTo(c)}`);
  if (g.values.length > MAX_VALUE_LINES) lines.push(`… and ${g.values.length - MAX_VALUE_LINES} more changed values`);
  for (const t of g.templates) {
    const r = t.diff.resources;
    const n = (k: string) => r.filter((x) => x.change === k).length;
    lines.push(`template ${t.path}: ${n('added')} to add, ${n('modified')} to change, ${n('removed')} to destroy`);
    for (const x of r) {
      const impact = x.change !== 'modified' ? '' : x.impact === 'WILL_REPLACE' ? ' (replacement)' : x.impact === 'MAY_REPLACE' ? ' (may be replaced)' : '';
      const props = x.properties.length > 0 ? `: ${x.properties.join(', ')}` : '';
      lines.push(`  ${MARK[x.change]} ${x.type} ${x.logicalId}${impact}${props}`);
    }
    for (const o of t.diff.otherChanges) lines.push(`  ${MARK[o.change]} ${o.what}`);
  }
  for (const r of g.resources) if (!r.path.startsWith('aws/')) lines.push(`${MARK[r.change]} ${r.label}`);
  return lines;
}

function clusterLine(c: ClusterDiff): string {
  const title = clusterTitle(c.name);
  if (c.change === 'unchanged') return `${title}: no changes`;
  const a = c.applications;
  const fleet = c.name === FLEET_DIR;
  const what = c.change === 'added' ? (fleet ? ' (new)' : ' (new cluster)') : c.change === 'removed' ? (fleet ? ' (removed)' : ' (cluster removed)') : '';
  return `${title}${what}: Applications ${a.added.length} added, ${a.changed.length} changed, ${a.removed.length} removed`;
}

function totals(report: DiffReport): { add: number; change: number; destroy: number } {
  const t = { add: 0, change: 0, destroy: 0 };
  for (const c of report.clusters) for (const g of c.groups) for (const k of ['add', 'change', 'destroy'] as const) t[k] += g.counts[k];
  return t;
}

function planLine(report: DiffReport): string {
  const t = totals(report);
  return `Plan: ${t.add} to add, ${t.change} to change, ${t.destroy} to destroy (rendered files).`;
}

function noChanges(report: DiffReport, o: FormatOptions): string {
  const clusters = report.clusters.filter((c) => c.name !== FLEET_DIR).length;
  const fleet = clusters < report.clusters.length ? ' and the fleet' : '';
  return `No changes: ${o.baseLabel} and ${o.headLabel} render the same objects (${clusters} ${clusters === 1 ? 'cluster' : 'clusters'}${fleet}, ${report.filesCompared} files compared).`;
}

function warningLine(w: Warning): string {
  return `${w.cluster}/${w.group}: ${w.message}`;
}

/**
 * The report as terminal text; credentials are redacted twice: per value by the engine, then in the finished text
 * (scrubText). Summary lines are kept to one line each, so data cannot start a line of its own in a CI log (where
 * `::command::` lines are workflow commands).
 */
export function formatText(report: DiffReport, o: FormatOptions): string {
  return scrubText(renderText(report, o));
}

function renderText(report: DiffReport, o: FormatOptions): string {
  const out: string[] = [`Platform diff: ${o.baseLabel} → ${o.headLabel}`, ...(o.notes ?? [])];
  if (!report.hasChanges) return `${[...out, noChanges(report, o)].join('\n')}\n`;
  out.push('');
  for (const c of report.clusters) {
    out.push(oneLine(clusterLine(c)));
    for (const g of c.groups) {
      out.push(`  ${oneLine(groupTitle(g))}`);
      for (const l of detailLines(g)) out.push(`      ${oneLine(l)}`);
    }
  }
  out.push('');
  if (report.warnings.length > 0) {
    out.push(`Warnings (${report.warnings.length}):`);
    for (const w of report.warnings) out.push(`  ! ${oneLine(warningLine(w))}`);
    out.push('');
  }
  out.push(planLine(report), '');
  for (const c of report.clusters) {
    for (const g of c.groups) {
      for (const r of g.resources) {
        if (!r.diff) continue;
        out.push(oneLine(`### ${shortTitle(c.name)} / ${g.name}: ${MARK[r.change]} ${r.label}`), r.diff);
      }
    }
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One line: line breaks (which would end a table row, a list item or an HTML block) become a visible ␤. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they must not reach the comment
  return s.replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, '␤').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '�');
}

/**
 * A Markdown inline code span holding `s` literally: no links, images, headings, emphasis, HTML or @mentions (GitHub
 * does not link mentions in code). The fence is one backtick longer than the longest run inside; a space pads a
 * string that starts or ends with a backtick or a space (CommonMark strips one from each side).
 */
export function codeSpan(s: string): string {
  const text = oneLine(s);
  if (text === '') return '`(empty)`';
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A code span in a table cell: GitHub splits cells at `|` even inside code, unless escaped. */
const cellCode = (s: string) => codeSpan(s).replace(/\|/g, '\\|');

/** Text in an HTML element (the `<summary>`): escaped, one line, in `<code>` so GitHub links no @mentions in it. */
const htmlCode = (s: string) => `<code>${html(oneLine(s))}</code>`;

/** A code fence longer than any backtick run inside the content, so a diff can never close it early. */
function fenced(lang: string, content: string): string {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${content.replace(/\n$/, '')}\n${fence}\n`;
}

function mdSection(c: ClusterDiff, g: GroupDiff, diffBudget = Infinity): { text: string; truncated: boolean } {
  const parts: string[] = [`<details><summary>${htmlCode(groupTitle(g))}${g.charts.length > 0 ? ` · chart ${htmlCode(g.charts.map(fromTo).join(', '))}` : ''}</summary>\n`];
  const details = detailLines(g);
  if (details.length > 0) parts.push(`${details.map((l) => `- ${'&nbsp;'.repeat(/^\s*/.exec(l)![0].length)}${codeSpan(l.trimStart())}`).join('\n')}\n`);
  let truncated = false;
  let diff = g.resources.map((r) => r.diff).filter(Boolean).join('');
  if (diff.length > diffBudget) {
    const cut = diff.slice(0, Math.max(0, diffBudget));
    diff = `${cut.slice(0, cut.lastIndexOf('\n') + 1)}… diff truncated (${c.name}/${g.name})\n`;
    truncated = true;
  }
  if (diff) parts.push(fenced('diff', diff));
  parts.push('</details>\n');
  return { text: parts.join('\n'), truncated };
}

/**
 * The report as a pull-request comment (GitHub Markdown), at most `maxChars` characters. Every data-derived string
 * (names, labels, values, messages) is inert: in a code span, a `<code>` element or a fenced block, on one line, so
 * a label key cannot add a heading, a link, an image or an @mention to the comment the bot posts.
 */
export function formatMarkdown(report: DiffReport, o: MarkdownOptions): string {
  return scrubText(renderMarkdown(report, o));
}

function renderMarkdown(report: DiffReport, o: MarkdownOptions): string {
  const max = o.maxChars ?? 65536;
  const head: string[] = [COMMENT_MARKER, `## Platform diff: ${codeSpan(o.baseLabel)} → ${codeSpan(o.headLabel)}`, ''];
  for (const n of o.notes ?? []) head.push(`> ${codeSpan(n)}`, '');
  if (!report.hasChanges) return `${[...head, noChanges(report, o)].join('\n')}\n`;

  head.push('| Cluster | Applications added | changed | removed | Resources to add / change / destroy |', '|---|---:|---:|---:|---|');
  for (const c of report.clusters) {
    const t = { add: 0, change: 0, destroy: 0 };
    for (const g of c.groups) for (const k of ['add', 'change', 'destroy'] as const) t[k] += g.counts[k];
    const a = c.applications;
    const name = c.change === 'added' ? `${shortTitle(c.name)} (new)` : c.change === 'removed' ? `${shortTitle(c.name)} (removed)` : shortTitle(c.name);
    head.push(`| ${cellCode(name)} | ${a.added.length} | ${a.changed.length} | ${a.removed.length} | ${t.add} / ${t.change} / ${t.destroy} |`);
  }
  head.push('', planLine(report), '');

  const reserve = 600; // the truncation note and closing lines
  let text = `${head.join('\n')}\n`;
  if (report.warnings.length > 0) {
    const lines = ['> [!WARNING]', `> **${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'}**`];
    let shown = 0;
    for (const w of report.warnings) {
      const line = `> - **${codeSpan(`${w.cluster}/${w.group}`)}**: ${codeSpan(w.message)}`;
      if (text.length + lines.join('\n').length + line.length > max / 2) break;
      lines.push(line);
      shown++;
    }
    if (shown < report.warnings.length) lines.push(`> - … and ${report.warnings.length - shown} more warnings (see the full diff)`);
    text += `${lines.join('\n')}\n\n`;
  }

  // One line per Application, so the overview survives even when the diffs below are truncated.
  const overview: string[] = [];
  for (const c of report.clusters) {
    if (c.groups.length === 0) continue;
    overview.push(`**${codeSpan(shortTitle(c.name))}**`, '');
    for (const g of c.groups) {
      const facts = [...g.charts.map((x) => `chart ${fromTo(x)}`), ...g.images.map((x) => `image ${fromTo(x)}`), ...g.waves.map(fromTo), ...g.projects.map(fromTo), ...g.destinations.map(fromTo)];
      overview.push(`- ${codeSpan(groupTitle(g))}${facts.length > 0 ? ` · ${codeSpan(facts.join(' · '))}` : ''}`);
    }
    overview.push('');
  }
  let budget = max * 0.75 - text.length;
  for (const line of overview) {
    if (line.length + 1 > budget) {
      text += '- … (overview truncated)\n\n';
      break;
    }
    text += `${line}\n`;
    budget -= line.length + 1;
  }

  const sections = report.clusters.flatMap((c) => c.groups.map((g) => ({ c, g })));
  let shown = 0;
  let truncated = false;
  let currentCluster = '';
  for (const { c, g } of sections) {
    const heading = c.name !== currentCluster ? `### ${codeSpan(shortTitle(c.name))}\n\n` : '';
    const full = mdSection(c, g).text;
    const room = max - reserve - text.length - heading.length;
    if (full.length <= room) {
      text += heading + full + '\n';
      currentCluster = c.name;
      shown++;
      continue;
    }
    // Not enough room: this section's summary with as much of its diff as fits, then stop.
    const skeleton = mdSection(c, g, 0).text.length + 200;
    if (skeleton < room) {
      text += heading + mdSection(c, g, room - skeleton).text + '\n';
      currentCluster = c.name;
    }
    truncated = true;
    break;
  }
  if (truncated) {
    const left = sections.length - shown;
    text += `> [!NOTE]\n> **Diff truncated** to stay under GitHub's ${max.toLocaleString('en-US')}-character comment limit: ${shown} of ${sections.length} Application sections shown in full, ${left} cut or left out. The summary and warnings above cover everything; run \`npm run diff\` locally (or read the CI job log) for the full diff.\n`;
  }
  return text;
}
