// Pod and container records for the pure pod-manager tests.
import type { Action } from '../../../agent/pods/actions.js';
import type { Container, Pod } from '../../../shared/api/types.js';
import { containerLabels } from '../../../agent/runtime/labels.js';
import type { RuntimeContainer } from '../../../agent/runtime/runtime.js';

export function pod(containers: Container[], spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: { containers, ...spec },
  };
}

let n = 0;

export function rc(
  p: Pod,
  c: Container,
  attempt: number,
  over: Partial<RuntimeContainer> = {},
): RuntimeContainer {
  n++;
  return {
    id: `id${n}`,
    name: `drover_n_ns_p_${c.name}_${attempt}`,
    labels: containerLabels(
      { node: 'n', namespace: 'ns', pod: 'p', podUID: p.metadata.uid ?? '', container: c.name, attempt },
      c,
    ),
    state: 'running',
    exitCode: 0,
    startedAt: '2024-01-01T00:00:00.000Z',
    createdAt: `2024-01-01T00:00:0${attempt % 10}.000Z`,
    image: c.image ?? '',
    imageID: 'sha256:abc',
    oomKilled: false,
    ...over,
  };
}

export function exited(
  p: Pod,
  c: Container,
  attempt: number,
  exitCode: number,
  finishedAt: string,
  over: Partial<RuntimeContainer> = {},
): RuntimeContainer {
  return rc(p, c, attempt, { state: 'exited', exitCode, finishedAt, ...over });
}

/** A plan's actions as short strings: `start:web#0`, `wait:web`, `kill:Unhealthy`, `remove`. */
export function kinds(actions: Action[]): string[] {
  return actions.map((a) =>
    a.type === 'start'
      ? `start:${a.container.name}#${a.attempt}`
      : a.type === 'wait'
        ? `wait:${a.container}`
        : a.type === 'kill'
          ? `kill:${a.reason}`
          : a.type,
  );
}
