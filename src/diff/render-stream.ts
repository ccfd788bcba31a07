/**
 * The render stream: how a diff render child hands its rendered clusters to the diff without a file system. The
 * child (`diff --render-stream`, hidden, run by the diff only) loads and renders the config exactly as `synth` does
 * (render-emit.ts) and writes, instead of a dist/ folder:
 *
 *     platform-render-stream v1\n
 *     {"name":"<cluster>","files":[["<path>","<content>"],…]}\n      (one line per cluster, then the fleet folder)
 *
 * Writing, reading back and deleting a synth's ~45 files and 13 folders per cluster was most of a diff's wall time
 * (and of a synth's); a pipe costs none of it. A revision without this file renders with `synth --out` instead.
 * This module is the protocol only (the diff's own process loads no renderer).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The first line of a render stream; a parent that reads another version refuses it. */
export const RENDER_STREAM_HEADER = 'platform-render-stream v1';

/** This module's path in a project tree: a revision holding it (with RENDER_STREAM_HEADER) can render to a stream. */
const MODULE = join('src', 'diff', 'render-stream.ts');

/** Whether the project at `root` (a revision's tree) can render to a render stream of this version. */
export function supportsRenderStream(root: string): boolean {
  const file = join(root, MODULE);
  return existsSync(file) && readFileSync(file, 'utf8').includes(RENDER_STREAM_HEADER);
}

/** Receives each cluster of a render (or the fleet folder) as soon as it is read: its name and path → content. */
export type ClusterSink = (name: string, files: ReadonlyMap<string, string>) => void;

/**
 * Reads a render stream chunk by chunk (`push`), handing each cluster to `onCluster` as soon as its line is complete;
 * `end()` checks that the stream was whole. The stream comes from a revision's code (maybe a pull request's): it is
 * data only, checked for shape; names become map keys, never file paths.
 * @throws Error naming `what` and the problem when the stream is not a render stream of this version or is cut off
 */
export class RenderStreamReader {
  private buffer = '';
  private header = false;
  private readonly names = new Set<string>();

  constructor(
    private readonly what: string,
    private readonly onCluster: ClusterSink,
  ) {}

  push(chunk: string): void {
    // Only the new chunk is searched for line ends: a cluster's line spans many chunks.
    let start = 0;
    let end = chunk.indexOf('\n');
    if (end < 0) {
      this.buffer += chunk;
      return;
    }
    const text = this.buffer + chunk;
    end += this.buffer.length;
    while (end >= 0) {
      this.take(text.slice(start, end));
      start = end + 1;
      end = text.indexOf('\n', start);
    }
    this.buffer = text.slice(start);
  }

  end(): void {
    if (this.buffer !== '') this.fail('it ends in the middle of a line');
    if (!this.header) this.fail(`it is empty; expected "${RENDER_STREAM_HEADER}" first`);
  }

  private take(text: string): void {
    if (!this.header) {
      if (text !== RENDER_STREAM_HEADER) this.fail(`got ${JSON.stringify(text.slice(0, 60))} first; allowed: "${RENDER_STREAM_HEADER}"`);
      this.header = true;
      return;
    }
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      this.fail(`a line is not JSON: ${JSON.stringify(text.slice(0, 60))}`);
    }
    const { name, files } = (record ?? {}) as { name?: unknown; files?: unknown };
    const pairs = Array.isArray(files) ? files : [];
    const ok = typeof name === 'string' && name !== '' && !name.startsWith('.') && Array.isArray(files) && pairs.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string');
    if (!ok) this.fail(`a line is not {"name": string, "files": [[path, content], …]}: ${JSON.stringify(text.slice(0, 60))}`);
    if (this.names.has(name as string)) this.fail(`cluster ${JSON.stringify(name)} appears twice`);
    this.names.add(name as string);
    this.onCluster(name as string, new Map(pairs as Array<[string, string]>));
  }

  private fail(problem: string): never {
    throw new Error(`the render stream of ${this.what} is damaged: ${problem}`);
  }
}
