// A conditions table (type, status, reason, message, since), as `kubectl describe` prints it.

import { since } from '../lib/time.js';

/** Conditions where True is the bad news (kubelet's pressure conditions). */
function trueIsBad(type: string): boolean {
  return type.endsWith('Pressure') || type === 'NetworkUnavailable';
}

function tone(type: string, status: string): string {
  if (status === 'Unknown') return 'cond-Unknown';
  return (status === 'True') !== trueIsBad(type) ? 'cond-good' : 'cond-bad';
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export function Conditions({ items }: { items: Condition[] | undefined }) {
  if (!items?.length) return <p class="muted">No conditions reported.</p>;
  return (
    <table class="grid" data-testid="conditions">
      <thead>
        <tr>
          <th>Type</th>
          <th>Status</th>
          <th>Reason</th>
          <th>Message</th>
          <th>Since</th>
        </tr>
      </thead>
      <tbody>
        {items.map((c) => (
          <tr key={c.type}>
            <td>{c.type}</td>
            <td class={tone(c.type, c.status)}>{c.status}</td>
            <td>{c.reason ?? ''}</td>
            <td class="msg">{c.message ?? ''}</td>
            <td>{since(c.lastTransitionTime)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
