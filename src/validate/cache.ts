/**
 * The validator's on-disk cache (`.cache/validate` by default, git-ignored): compiled ajv validators as standalone
 * CommonJS modules and parsed data as JSON, each under a key derived from the SHA-256 of the upstream file it
 * comes from. A changed upstream file gets a new key, so nothing is ever stale; deleting the folder is always safe.
 * Next to each validator, V8's code cache (`.v8`, written by flush() after a run) skips parsing and compiling the
 * generated code, which is most of what loading a large validator costs.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import type { Ajv, ValidateFunction } from 'ajv';
import { sha256 } from './sources.ts';

/** Bump when strictify, the compile options or a cached format change, so old entries are not reused. */
const ENGINE_VERSION = '3';
const requireHere = createRequire(import.meta.url);
let ajvVersion: string | undefined;
/** ajv's version is part of every key (read on first use, not on import). */
const AJV_VERSION = () => (ajvVersion ??= (requireHere('ajv/package.json') as { version: string }).version);

export class DiskCache {
  /** Scripts loaded without an accepted V8 code cache, to write one for in flush(). */
  private readonly uncached: Array<{ file: string; script: Script }> = [];

  /** @param dir folder for the entries; undefined disables the cache (everything is built every run). */
  constructor(readonly dir: string | undefined) {}

  /** Whether ajv instances must keep generated source (needed to write standalone code). */
  get enabled(): boolean {
    return this.dir !== undefined;
  }

  private path(parts: ReadonlyArray<string | undefined>, ext: string): string | undefined {
    if (!this.dir || parts.some((p) => p === undefined)) return undefined;
    return join(this.dir, `${sha256([ENGINE_VERSION, AJV_VERSION(), ...parts].join('\n')).slice(0, 32)}.${ext}`);
  }

  has(parts: ReadonlyArray<string | undefined>): boolean {
    const file = this.path(parts, 'cjs');
    return file !== undefined && existsSync(file);
  }

  private write(file: string, text: string | Uint8Array): void {
    mkdirSync(this.dir!, { recursive: true });
    // Write then rename, so a concurrent run never reads half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }

  /**
   * A compiled validator from the cache, or `compile()`d now and written there. `compile` returns the ajv instance
   * it used with the validator (standalone code needs both), so ajv itself is loaded only when something compiles.
   */
  async validator(parts: ReadonlyArray<string | undefined>, compile: () => Promise<{ ajv: Ajv; validate: ValidateFunction }>): Promise<ValidateFunction> {
    const file = this.path(parts, 'cjs');
    if (file && existsSync(file)) {
      try {
        return this.load(file);
      } catch {
        // A damaged entry is rebuilt below.
      }
    }
    const { ajv, validate } = await compile();
    if (file) {
      const standaloneCode = (requireHere('ajv/dist/standalone/index.js') as { default: (a: Ajv, v: ValidateFunction) => string }).default;
      this.write(file, standaloneCode(ajv, validate));
    }
    return validate;
  }

  /** Runs a cached validator module (CommonJS) with V8's code cache when there is one. */
  private load(file: string): ValidateFunction {
    const codeCache = `${file}.v8`;
    const cachedData = existsSync(codeCache) ? readFileSync(codeCache) : undefined;
    const script = new Script(`(function (exports, require, module) {${readFileSync(file, 'utf8')}\n})`, { filename: file, cachedData });
    if (!cachedData || script.cachedDataRejected) this.uncached.push({ file: codeCache, script });
    const module = { exports: {} as ValidateFunction & { default?: ValidateFunction } };
    (script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: unknown) => void)(module.exports, requireHere, module);
    return module.exports.default ?? module.exports;
  }

  /** Writes V8 code caches for the validators used in this run (after use, so they include the compiled functions). */
  flush(): void {
    for (const { file, script } of this.uncached.splice(0)) {
      try {
        this.write(file, script.createCachedData());
      } catch {
        // Only a speed-up: a failed write costs nothing but time next run.
      }
    }
  }

  /** JSON data from the cache, or `build()` now and written there. */
  async json<T>(parts: ReadonlyArray<string | undefined>, build: () => T | Promise<T>): Promise<T> {
    const file = this.path(parts, 'json');
    if (file && existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as T;
      } catch {
        // rebuilt below
      }
    }
    const value = await build();
    if (file) this.write(file, JSON.stringify(value));
    return value;
  }
}
