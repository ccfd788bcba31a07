/**
 * The render stream: how a diff render child hands its rendered clusters to the diff without a file system. The
 * child (`diff --render-stream`, hidden, run by the diff only) loads and renders the config exactly as `synth` does
 * (render-emit.ts) and writes, instead of a dist/ folder, version 2 of the stream:
 *
 *     platform-render-stream v2\n
 *     <cluster>\t<bytes>\n                  (one record per cluster, then the fleet folder; <bytes>: of what follows)
 *       <path>\t<bytes>\n<content>          (one per file, <bytes>: UTF-8 bytes of <content>, the file's text as is)
 *
 * The review files (README.md, manifest.json) are left out: the diff skips them (isReviewFile), and rendering them
 * was a tenth of a render. Lengths in bytes, not JSON: the reader cuts each file out of the bytes it received
 * (UTF-8 decoding only, no JSON escaping in the child or unescaping in the parent: a JSON line of each cluster cost
 * both about as much as comparing it). Version 1 (a JSON line per cluster, `{"name":…,"files":[[path, content],…]}`,
 * review files included) is what older revisions write; the reader reads both. Writing, reading back and deleting a
 * synth's ~45 files and 13 folders per cluster was most of a diff's wall time (and of a synth's); a pipe costs none
 * of it. A revision without this file renders with `synth --out` instead.
 * This module is the protocol only (the diff's own process loads no renderer).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** The first line of a render stream this code writes. */
export const RENDER_STREAM_HEADER = 'platform-render-stream v2';
/** The first line of a stream of older revisions (JSON lines), still read. */
export const RENDER_STREAM_HEADER_V1 = 'platform-render-stream v1';

/** This module's path in a project tree: a revision holding it (with a header above) can render to a stream. */
const MODULE = join('src', 'diff', 'render-stream.ts');

/** Whether the project at `root` (a revision's tree) can render to a render stream this reader reads (v1 or v2). */
export function supportsRenderStream(root: string): boolean {
  const file = join(root, MODULE);
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  return text.includes(RENDER_STREAM_HEADER) || text.includes(RENDER_STREAM_HEADER_V1);
}

/** Receives each cluster of a render (or the fleet folder) as soon as it is read: its name and path → content. */
export type ClusterSink = (name: string, files: ReadonlyMap<string, string>) => void;

/** A v2 record header (`<name>\t<bytes>`) longer than this is damage, not a name: the reader stops looking. */
const MAX_HEADER_BYTES = 4096;
/** A record's byte count: a decimal integer, at most 2^31 - 1 (a Buffer's size limit on 32-bit platforms). */
const LENGTH = /^(?:0|[1-9]\d{0,9})$/;
const MAX_RECORD_BYTES = 2 ** 31 - 1;
const NEWLINE = 0x0a;

/** One v2 record: `<text>\t<bytes>`, the text a cluster name or a path (no tab, no line break in either). */
export function recordHeader(text: string, bytes: number): string {
  if (/[\t\n]/.test(text)) throw new Error(`render stream: ${JSON.stringify(text)} holds a tab or a line break; allowed: names and paths without them`);
  return `${text}\t${bytes}\n`;
}

/**
 * A cluster (or the fleet folder) as a v2 record (see the module comment), review files left out; its text is
 * written as is (no escaping). Used by render-emit.ts; here so writer and reader are one protocol.
 * @throws Error when the name or a path holds a tab or a line break (the record could not be read back)
 */
export function clusterRecord(name: string, files: ReadonlyMap<string, string>, skip: (path: string) => boolean): string {
  let body = '';
  let bytes = 0;
  for (const [path, content] of files) {
    if (skip(path)) continue;
    const size = Buffer.byteLength(content);
    const head = recordHeader(path, size);
    body += head + content;
    bytes += Buffer.byteLength(head) + size;
  }
  return recordHeader(name, bytes) + body;
}

/**
 * Reads a render stream chunk by chunk (`push`), handing each cluster to `onCluster` as soon as it is complete;
 * `end()` checks that the stream was whole. Reads version 2 (length-prefixed records) and version 1 (JSON lines, of
 * older revisions), as its first line says. The stream comes from a revision's code (maybe a pull request's): it is
 * data only, checked for shape (lengths, names, no duplicates); names become map keys, never file paths.
 * @throws Error naming `what` and the problem when the stream is not a render stream of a known version or is cut off
 */
export class RenderStreamReader {
  /** Unread bytes (v2, and the header line), in arrival order; `buffered` counts them. */
  private parts: Buffer[] = [];
  private buffered = 0;
  /** The stream's version, once its first line is read. */
  private version: 1 | 2 | undefined;
  /** v2: the cluster whose record body is awaited, and its size in bytes. */
  private awaited: { readonly name: string; readonly bytes: number } | undefined;
  /** v1: the decoder (a character may span chunks) and the start of the current line. */
  private readonly decoder = new StringDecoder('utf8');
  private line = '';
  private readonly names = new Set<string>();

  constructor(
    private readonly what: string,
    private readonly onCluster: ClusterSink,
  ) {}

  /** Reads one chunk of the stream (bytes; a string is taken as its UTF-8 bytes). */
  push(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (this.version === 1) return this.pushV1(this.decoder.write(bytes));
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.buffered += bytes.length;
    if (this.version === undefined) {
      const header = this.takeLine(RENDER_STREAM_HEADER.length + 1);
      if (header === undefined) return;
      if (header === RENDER_STREAM_HEADER_V1) {
        this.version = 1;
        const rest = this.take(this.buffered);
        return this.pushV1(this.decoder.write(rest));
      }
      if (header !== RENDER_STREAM_HEADER) this.fail(`got ${JSON.stringify(header.slice(0, 60))} first; allowed: "${RENDER_STREAM_HEADER}" or "${RENDER_STREAM_HEADER_V1}"`);
      this.version = 2;
    }
    this.readRecords();
  }

  end(): void {
    if (this.version === undefined) {
      if (this.buffered === 0) this.fail(`it is empty; expected "${RENDER_STREAM_HEADER}" first`);
      this.fail(`got ${JSON.stringify(this.take(this.buffered).toString('utf8').slice(0, 60))} first; allowed: "${RENDER_STREAM_HEADER}" or "${RENDER_STREAM_HEADER_V1}"`);
    }
    const rest = this.version === 1 ? this.line + this.decoder.end() : '';
    if (rest !== '' || this.buffered > 0 || this.awaited) this.fail(this.version === 1 ? 'it ends in the middle of a line' : 'it ends in the middle of a cluster');
  }

  /** v2: every record whose bytes are all here. */
  private readRecords(): void {
    for (;;) {
      if (!this.awaited) {
        const header = this.takeLine(MAX_HEADER_BYTES);
        if (header === undefined) return;
        const [name, bytes] = this.split(header, 'cluster');
        if (name === '' || name.startsWith('.')) this.fail(`a cluster is named ${JSON.stringify(name.slice(0, 60))}; allowed: a name not empty, not starting with "."`);
        if (this.names.has(name)) this.fail(`cluster ${JSON.stringify(name)} appears twice`);
        this.names.add(name);
        this.awaited = { name, bytes };
      }
      if (this.buffered < this.awaited.bytes) return;
      const { name, bytes } = this.awaited;
      this.awaited = undefined;
      this.onCluster(name, this.files(name, this.take(bytes)));
    }
  }

  /** A v2 record body: its files (`<path>\t<bytes>\n<content>`, one after the other, filling it exactly). */
  private files(cluster: string, body: Buffer): Map<string, string> {
    const files = new Map<string, string>();
    let at = 0;
    while (at < body.length) {
      const eol = body.indexOf(NEWLINE, at);
      if (eol < 0 || eol - at > MAX_HEADER_BYTES) this.fail(`cluster ${JSON.stringify(cluster)}: a file header has no line end`);
      const [path, bytes] = this.split(body.toString('utf8', at, eol), `file of cluster ${JSON.stringify(cluster)}`);
      if (path === '' || files.has(path)) this.fail(`cluster ${JSON.stringify(cluster)}: the file ${JSON.stringify(path)} is ${path === '' ? 'unnamed' : 'there twice'}`);
      const end = eol + 1 + bytes;
      if (end > body.length) this.fail(`cluster ${JSON.stringify(cluster)}: the file ${JSON.stringify(path)} runs past the cluster's end`);
      files.set(path, body.toString('utf8', eol + 1, end));
      at = end;
    }
    return files;
  }

  /** `<text>\t<bytes>` split, the byte count checked. */
  private split(header: string, what: string): [string, number] {
    const tab = header.lastIndexOf('\t');
    const count = header.slice(tab + 1);
    if (tab < 0 || !LENGTH.test(count) || Number(count) > MAX_RECORD_BYTES) {
      this.fail(`a ${what} header is not "<name>\\t<bytes>": ${JSON.stringify(header.slice(0, 60))}`);
    }
    return [header.slice(0, tab), Number(count)];
  }

  /** The next line (without its line end) when it is all here, consumed; fails past `max` bytes without one. */
  private takeLine(max: number): string | undefined {
    let offset = 0;
    for (const part of this.parts) {
      const eol = part.indexOf(NEWLINE);
      if (eol >= 0) {
        if (offset + eol > max) break;
        const line = this.take(offset + eol + 1);
        return line.toString('utf8', 0, line.length - 1);
      }
      offset += part.length;
      if (offset > max) break;
    }
    if (this.buffered > max) {
      const start = Buffer.concat(this.parts).toString('utf8', 0, 60);
      this.fail(this.version === undefined ? `got ${JSON.stringify(start)} first; allowed: "${RENDER_STREAM_HEADER}" or "${RENDER_STREAM_HEADER_V1}"` : `a record header is longer than ${max} bytes: ${JSON.stringify(start)}`);
    }
    return undefined;
  }

  /** The next `n` bytes (all buffered), consumed; one copy at most. */
  private take(n: number): Buffer {
    const all = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.buffered);
    this.parts = all.length > n ? [all.subarray(n)] : [];
    this.buffered -= n;
    return all.subarray(0, n);
  }

  /** v1: JSON lines. Only the new chunk is searched for line ends: a cluster's line spans many chunks. */
  private pushV1(chunk: string): void {
    let start = 0;
    let end = chunk.indexOf('\n');
    if (end < 0) {
      this.line += chunk;
      return;
    }
    const text = this.line + chunk;
    end += this.line.length;
    while (end >= 0) {
      this.takeV1(text.slice(start, end));
      start = end + 1;
      end = text.indexOf('\n', start);
    }
    this.line = text.slice(start);
  }

  private takeV1(text: string): void {
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
