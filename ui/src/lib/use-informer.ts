// A view's hold on a shared informer: held while mounted, a re-render on every (frame-batched)
// change, or at most once per minIntervalMs for views that derive a lot from a large
// collection (the overview re-sorts and re-counts 10,000 boards per render).

import { useEffect, useState } from 'preact/hooks';
import type { KubeObject } from '../../../shared/api/types.js';
import type { Informer } from '../api/informer.js';
import { acquire, peek, release } from '../api/shared-informers.js';

export function useInformer<T extends KubeObject>(path: string, query = '', minIntervalMs = 0): Informer<T> {
  const [, render] = useState(0);
  useEffect(() => {
    const inf = acquire<T>(path, query);
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fire = () => {
      timer = undefined;
      last = performance.now();
      render((v) => v + 1);
    };
    const off = inf.subscribe(() => {
      const wait = last + minIntervalMs - performance.now();
      if (wait <= 0) fire();
      else timer ??= setTimeout(fire, wait);
    });
    fire(); // changes between the first render and this subscription
    return () => {
      off();
      clearTimeout(timer);
      release(path, query);
    };
  }, [path, query, minIntervalMs]);
  return peek<T>(path, query);
}
