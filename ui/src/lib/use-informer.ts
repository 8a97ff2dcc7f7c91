// A view's hold on a shared informer: held while mounted, a re-render on every (frame-batched)
// change.

import { useEffect, useState } from 'preact/hooks';
import type { KubeObject } from '../../../shared/api/types.js';
import type { Informer } from '../api/informer.js';
import { acquire, peek, release } from '../api/shared-informers.js';

export function useInformer<T extends KubeObject>(path: string, query = ''): Informer<T> {
  const [, render] = useState(0);
  useEffect(() => {
    const inf = acquire<T>(path, query);
    const off = inf.subscribe(() => render((v) => v + 1));
    render((v) => v + 1); // changes between the first render and this subscription
    return () => {
      off();
      release(path, query);
    };
  }, [path, query]);
  return peek<T>(path, query);
}
