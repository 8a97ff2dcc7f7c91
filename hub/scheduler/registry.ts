// Every scheduler plugin, by name. A profile (defaults.ts) enables plugins from here.

import type { Plugin } from './framework.js';
import * as balancedAllocation from './plugins/balanced-allocation.js';
import * as imageLocality from './plugins/image-locality.js';
import * as leastAllocated from './plugins/least-allocated.js';
import * as nodeAffinity from './plugins/node-affinity.js';
import * as nodeArch from './plugins/node-arch.js';
import * as nodeName from './plugins/node-name.js';
import * as nodeReady from './plugins/node-ready.js';
import * as nodeResourcesFit from './plugins/node-resources-fit.js';
import * as nodeUnschedulable from './plugins/node-unschedulable.js';
import * as podAntiAffinity from './plugins/pod-anti-affinity.js';
import * as taintToleration from './plugins/taint-toleration.js';
import * as volumeBinding from './plugins/volume-binding.js';

const all: Plugin[] = [
  nodeReady,
  nodeUnschedulable,
  nodeName,
  nodeResourcesFit,
  nodeAffinity,
  taintToleration,
  nodeArch,
  podAntiAffinity,
  volumeBinding,
  leastAllocated,
  balancedAllocation,
  imageLocality,
];

export const registry: ReadonlyMap<string, Plugin> = new Map(all.map((p) => [p.name, p]));

export class UnknownPluginError extends Error {
  override name = 'UnknownPluginError';
  constructor(
    readonly plugin: string,
    phase: string,
  ) {
    super(
      `scheduler profile: unknown ${phase} plugin "${plugin}"; known: ${[...registry.keys()].join(', ')}`,
    );
  }
}

export class PluginPhaseError extends Error {
  override name = 'PluginPhaseError';
  constructor(plugin: string, phase: string) {
    super(`scheduler profile: plugin "${plugin}" has no ${phase} phase`);
  }
}
