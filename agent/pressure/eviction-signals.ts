// Which thresholds the eviction manager acts on, round by round, as the kubelet's
// synchronize() decides (pkg/kubelet/eviction/eviction_manager.go): a threshold met in the
// last round stays met until its minimum reclaim is also available (thresholdsMet with
// enforceMinReclaim); a threshold counts from when it was first observed met, and a soft one
// acts only once its grace period has passed (thresholdsMetGracePeriod), a hard one at once.
// Pure: the caller brings the observations and the clock.

import type { MetThreshold } from './monitor.js';
import type { Observations } from './signals.js';
import { type Threshold, thresholdAmount } from './thresholds.js';

export class EvictionSignals {
  private previouslyMet = new Set<Threshold>();
  private readonly firstObserved = new Map<Threshold, number>();

  constructor(private readonly thresholds: readonly Threshold[]) {}

  /** met: under the threshold (plus reclaim); acting: met and past its grace period. */
  step(obs: Observations, now: number): { met: MetThreshold[]; acting: MetThreshold[] } {
    const met: MetThreshold[] = [];
    for (const t of this.thresholds) {
      const o = obs[t.signal];
      if (!o) continue;
      const amount = thresholdAmount(t, o.capacity);
      const reclaim =
        this.previouslyMet.has(t) && t.minReclaim ? thresholdAmount(t.minReclaim, o.capacity) : 0;
      if (o.available < amount + reclaim) met.push({ threshold: t, available: o.available, amount });
    }
    const now_ = new Set(met.map((m) => m.threshold));
    for (const t of [...this.firstObserved.keys()]) if (!now_.has(t)) this.firstObserved.delete(t);
    for (const t of now_) if (!this.firstObserved.has(t)) this.firstObserved.set(t, now);
    this.previouslyMet = now_;
    const acting = met.filter(
      (m) => now - (this.firstObserved.get(m.threshold) ?? now) >= (m.threshold.gracePeriodMs ?? 0),
    );
    return { met, acting };
  }
}
