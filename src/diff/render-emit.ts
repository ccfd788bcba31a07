/**
 * The child side of the render stream (render-stream.ts): `diff --render-stream` renders the config as `synth` does
 * (src/synth.ts: the same loader, fleet checks and renderers, so the same files byte for byte, the review files
 * aside; a test compares) and writes each cluster to the stream instead of a dist/ folder.
 */
import { fleetProblems, loadFleet } from '../../config/fleet.ts';
import { ConfigError, loadClusters } from '../../config/load.ts';
import { ADDONS } from '../../charts/registry.ts';
import { renderFleet } from '../fleet.ts';
import { renderCluster, type RenderedCluster } from '../render.ts';
import { isReviewFile } from '../review.ts';
import { clusterRecord, RENDER_STREAM_HEADER } from './render-stream.ts';

/** One cluster (or the fleet folder) as one record of the stream, without review files (the diff skips them). */
const record = (r: RenderedCluster) => clusterRecord(r.name, r.files, isReviewFile);

/**
 * Renders every cluster of `configDir` as `synth` would (same files, byte for byte; README.md and manifest.json,
 * derived from the others, are not rendered) and hands the stream to `write`,
 * one cluster at a time (memory holds one rendered cluster). With `only`, every cluster is still loaded and checked
 * as by a full synth, but only those named are rendered, and the fleet folder is not.
 * @throws ConfigError (config problems) or RenderError, as synth; `write` has then received the header at most
 */
export function renderToStream(configDir: string, write: (chunk: string) => void, only?: ReadonlySet<string>): void {
  const clusters = loadClusters({ configDir, addons: ADDONS, only: [] });
  const fleet = loadFleet({ configDir });
  if (fleet) {
    const problems = fleetProblems(fleet, clusters, true);
    if (problems.length > 0) throw new ConfigError(problems);
  }
  write(`${RENDER_STREAM_HEADER}\n`);
  for (const cluster of clusters) if (!only || only.has(cluster.name)) write(record(renderCluster(cluster, { fleet, reviewFiles: false })));
  if (fleet && !only) write(record(renderFleet(fleet)));
}

