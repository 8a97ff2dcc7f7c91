// The node's pressure conditions from signals and hard thresholds, with the kubelet's
// transition period (--eviction-pressure-transition-period, 5 min): a condition turns True as
// soon as a threshold is met and stays True until none has been met for the period, so it
// does not flap. DiskPressure covers nodefs and imagefs, as upstream.

import type { Observations } from './signals.js';
import { type Signal, type Threshold, thresholdAmount } from './thresholds.js';

/** kubelet's --eviction-pressure-transition-period default, ms. */
export const DEFAULT_PRESSURE_TRANSITION_MS = 300_000;

export type PressureType = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';

const CONDITION_OF: Record<Signal, PressureType> = {
  'memory.available': 'MemoryPressure',
  'nodefs.available': 'DiskPressure',
  'imagefs.available': 'DiskPressure',
  'pid.available': 'PIDPressure',
};

const WORDING: Record<PressureType, { yes: [string, string]; no: [string, string] }> = {
  MemoryPressure: {
    yes: ['KubeletHasInsufficientMemory', 'agent has insufficient memory available'],
    no: ['KubeletHasSufficientMemory', 'agent has sufficient memory available'],
  },
  DiskPressure: {
    yes: ['KubeletHasDiskPressure', 'agent has disk pressure'],
    no: ['KubeletHasNoDiskPressure', 'agent has no disk pressure'],
  },
  PIDPressure: {
    yes: ['KubeletHasInsufficientPID', 'agent has insufficient PID available'],
    no: ['KubeletHasSufficientPID', 'agent has sufficient PID available'],
  },
};

export interface PressureCondition {
  type: PressureType;
  pressure: boolean;
  reason: string;
  message: string;
}

export interface MetThreshold {
  threshold: Threshold;
  available: number;
  amount: number;
}

const fmt = (signal: Signal, n: number) =>
  signal === 'pid.available' ? String(Math.round(n)) : `${Math.round(n / 1024 / 1024)}Mi`;

export function metThresholds(obs: Observations, thresholds: Threshold[]): MetThreshold[] {
  const out: MetThreshold[] = [];
  for (const t of thresholds) {
    const o = obs[t.signal];
    if (!o) continue;
    const amount = thresholdAmount(t, o.capacity);
    if (o.available < amount) out.push({ threshold: t, available: o.available, amount });
  }
  return out;
}

/** kubelet's eviction message part: `Threshold quantity: 100Mi, available: 50Mi.` */
export function describeMet(m: MetThreshold): string {
  const s = m.threshold.signal;
  return `${s} below ${m.threshold.text}: threshold quantity ${fmt(s, m.amount)}, available ${fmt(s, m.available)}`;
}

export class PressureMonitor {
  /** condition -> when a threshold of it was last met, ms. */
  private readonly lastMet = new Map<PressureType, number>();

  constructor(
    private readonly thresholds: Threshold[],
    private readonly transitionMs: number = DEFAULT_PRESSURE_TRANSITION_MS,
  ) {}

  evaluate(obs: Observations, now: number): { conditions: PressureCondition[]; met: MetThreshold[] } {
    const met = metThresholds(obs, this.thresholds);
    for (const m of met) this.lastMet.set(CONDITION_OF[m.threshold.signal], now);
    const conditions = (['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const).map((type) => {
      const mine = met.filter((m) => CONDITION_OF[m.threshold.signal] === type);
      const last = this.lastMet.get(type);
      const pressure = mine.length > 0 || (last !== undefined && now - last < this.transitionMs);
      const [reason, base] = pressure ? WORDING[type].yes : WORDING[type].no;
      const detail = mine.length
        ? `: ${mine.map(describeMet).join('; ')}`
        : pressure
          ? ` (thresholds no longer met; transition period until ${new Date((last ?? now) + this.transitionMs).toISOString()})`
          : '';
      return { type, pressure, reason, message: `${base}${detail}` };
    });
    return { conditions, met };
  }
}
