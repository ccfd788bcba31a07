/** Renders fleet mode's shared folder (`dist/_fleet/`); the objects come from apps/fleet.ts, the config from config/fleet.ts. */
import { App, Chart } from 'cdk8s';
import type { Fleet } from '../config/fleet.ts';
import { FLEET_DIR } from '../config/labels.ts';
import { FleetApplicationSet } from '../apps/fleet.ts';
import { fileName, toYaml, type Manifest } from './manifest-files.ts';
import type { RenderedCluster } from './render.ts';

/**
 * Renders the fleet's shared folder, in the pipeline's file format (one object per file, same header), named
 * `FLEET_DIR` so it is written (and kept from pruning) like a cluster folder.
 */
export function renderFleet(fleet: Fleet): RenderedCluster {
  const chart = new Chart(new App(), FLEET_DIR, { disableResourceNameHashes: true });
  new FleetApplicationSet(chart, 'roots', { fleet });
  const files = new Map<string, string>();
  for (const m of chart.toJson() as Manifest[]) files.set(fileName(m), toYaml(m, fleet.source));
  return { name: FLEET_DIR, files, applications: 0, objects: files.size };
}
