/**
 * Where the validator reads the pinned upstream data (Kubernetes definitions, CRDs, chart values) from, like
 * kubeconform's `-schema-location`: a local folder with the upstream layout (CI: ../shared/upstream), the pinned
 * upstream URLs (`pinned`: raw GitHub files at fixed commits), or a mirror URL with the upstream layout. Downloads
 * are checked against the pinned SHA-256 and kept in an on-disk cache, so a second run needs no network.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { sha256 } from '../review.ts';
import { PINNED_FILES, pinnedUrl, type PinnedFile } from './pinned.ts';

// One SHA-256 for the project (review's manifest.json uses the same); re-exported for the validator's modules.
export { sha256 };

/** Thrown when no schema source can serve what validation needs; the message says what to pass instead. */
export class SchemaSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaSourceError';
  }
}

export interface SchemaSource {
  /** For messages, e.g. `../shared/upstream` or `pinned upstream URLs (cache .cache/upstream)`. */
  readonly description: string;
  /** Files under `folder` (e.g. `crds`), as paths relative to the source root, sorted. */
  list(folder: string): Promise<string[]>;
  /** A file's text, or undefined when the source does not have it. */
  read(path: string): Promise<string | undefined>;
  /** Size and modification time of a local file, so its SHA-256 can be remembered instead of recomputed. @default none */
  fingerprint?(path: string): string | undefined;
}

/** A folder with the upstream layout (`kubernetes-schemas/`, `crds/`, `charts/`). */
export class LocalSource implements SchemaSource {
  readonly description: string;
  constructor(readonly dir: string) {
    this.description = dir;
  }

  async list(folder: string): Promise<string[]> {
    const out: string[] = [];
    const walk = (rel: string) => {
      const full = join(this.dir, rel);
      if (!existsSync(full)) return;
      for (const e of readdirSync(full, { withFileTypes: true })) {
        const child = `${rel}/${e.name}`;
        if (e.isDirectory()) walk(child);
        else out.push(child);
      }
    };
    walk(folder);
    return out.sort();
  }

  async read(path: string): Promise<string | undefined> {
    const full = join(this.dir, path);
    return existsSync(full) && statSync(full).isFile() ? readFileSync(full, 'utf8') : undefined;
  }

  fingerprint(path: string): string | undefined {
    const stat = statSync(join(this.dir, path), { throwIfNoEntry: false });
    return stat?.isFile() ? `${stat.size}:${stat.mtimeMs}` : undefined;
  }
}

export type Fetch = (url: string) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export interface UrlSourceOptions {
  /** `pinned` (each file's own upstream URL) or a mirror base URL with the upstream layout. */
  readonly base: string;
  /** Downloaded files are kept here, by upstream path. */
  readonly cacheDir: string;
  /** @default globalThis.fetch */
  readonly fetch?: Fetch;
}

/** The pinned files over HTTPS, verified by checksum, cached on disk. Only files in PINNED_FILES exist here. */
export class UrlSource implements SchemaSource {
  readonly description: string;
  private readonly byPath = new Map(PINNED_FILES.map((f) => [f.local, f]));
  private readonly fetch: Fetch;

  constructor(private readonly options: UrlSourceOptions) {
    this.fetch = options.fetch ?? ((url) => globalThis.fetch(url));
    this.description = `${options.base === 'pinned' ? 'pinned upstream URLs' : options.base} (cache ${options.cacheDir})`;
  }

  async list(folder: string): Promise<string[]> {
    return PINNED_FILES.map((f) => f.local)
      .filter((p) => p.startsWith(`${folder}/`))
      .sort();
  }

  url(file: PinnedFile): string {
    return this.options.base === 'pinned' ? pinnedUrl(file) : `${this.options.base.replace(/\/+$/, '')}/${file.local}`;
  }

  async read(path: string): Promise<string | undefined> {
    const file = this.byPath.get(path);
    if (!file) return undefined;
    const cached = join(this.options.cacheDir, path);
    if (existsSync(cached)) {
      const text = readFileSync(cached, 'utf8');
      if (sha256(text) === file.sha256) return text;
    }
    const url = this.url(file);
    let text: string;
    try {
      const res = await this.fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      text = await res.text();
    } catch (err) {
      throw new SchemaSourceError(
        `cannot download ${path} from ${url} (${(err as Error).message}); allowed: a reachable URL, or --schema-location DIR with the upstream files (e.g. ../shared/upstream)`,
      );
    }
    const got = sha256(text);
    if (got !== file.sha256) {
      throw new SchemaSourceError(`${url}: SHA-256 ${got} differs from the pinned ${file.sha256}; allowed: the byte-identical pinned file`);
    }
    mkdirSync(dirname(cached), { recursive: true });
    // Write then rename, so a concurrent run never reads half a file.
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, cached);
    return text;
  }
}

/** The first source that has a file wins (kubeconform tries its schema locations in order the same way). */
export class ChainSource implements SchemaSource {
  readonly description: string;
  constructor(private readonly sources: readonly SchemaSource[]) {
    this.description = sources.map((s) => s.description).join(', ');
  }

  async list(folder: string): Promise<string[]> {
    const all = new Set<string>();
    for (const s of this.sources) for (const p of await s.list(folder)) all.add(p);
    return [...all].sort();
  }

  async read(path: string): Promise<string | undefined> {
    for (const s of this.sources) {
      const text = await s.read(path);
      if (text !== undefined) return text;
    }
    return undefined;
  }
}

export interface SourceOptions {
  /** `--schema-location` values, in order; empty means the default upstream folder. @default [] */
  readonly locations?: readonly string[];
  /** The default folder (upstreamDir()). */
  readonly upstream: string;
  /** Cache for downloaded files. */
  readonly cacheDir: string;
  /** @default globalThis.fetch */
  readonly fetch?: Fetch;
}

const HOW = 'pass --schema-location DIR (a folder with kubernetes-schemas/, crds/ and charts/, e.g. ../shared/upstream), set PLATFORM_UPSTREAM, or use --schema-location pinned to download the pinned files into the cache';

/** Builds the source from the options; a local folder that does not exist is an error naming it. */
export function schemaSource(options: SourceOptions): SchemaSource {
  const locations = options.locations && options.locations.length > 0 ? options.locations : [options.upstream];
  const sources = locations.map((loc): SchemaSource => {
    if (loc === 'pinned' || /^https?:\/\//.test(loc)) return new UrlSource({ base: loc, cacheDir: options.cacheDir, fetch: options.fetch });
    const dir = resolve(loc);
    if (!existsSync(join(dir, 'kubernetes-schemas'))) {
      throw new SchemaSourceError(`no schema source: ${dir} has no kubernetes-schemas/ folder; allowed: ${HOW}`);
    }
    return new LocalSource(dir);
  });
  return sources.length === 1 ? sources[0] : new ChainSource(sources);
}

/** Whether the default source is present (tests that need one are skipped with this reason otherwise). */
export function schemaSourceMissing(upstream: string): string | undefined {
  return existsSync(join(upstream, 'kubernetes-schemas')) ? undefined : `no schema source at ${upstream}: ${HOW}`;
}
