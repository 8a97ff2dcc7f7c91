// A horizontal bar: used / total with a label.

export function Bar({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.min(100, (value / max) * 100) : 0;
  return (
    <div class="bar" title={label}>
      <div class={`bar-fill ${pct > 90 ? 'hot' : ''}`} style={{ width: `${pct}%` }} />
      <span class="bar-label">{label}</span>
    </div>
  );
}
