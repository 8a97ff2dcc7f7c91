// A small line chart of values over time (SVG, no library): one series, a fixed y range, the
// latest value as its label. Gaps (a sample without the value) break the line.

const WIDTH = 320;
const HEIGHT = 48;

export interface Point {
  t: number;
  v: number | undefined;
}

interface Props {
  points: Point[];
  max: number;
  label: string;
  testId: string;
}

export function Sparkline({ points, max, label, testId }: Props) {
  const t0 = points[0]?.t ?? 0;
  const span = Math.max(1, (points[points.length - 1]?.t ?? 0) - t0);
  const x = (t: number) => (points.length === 1 ? WIDTH : ((t - t0) / span) * WIDTH);
  const y = (v: number) => HEIGHT - (Math.min(v, max) / (max || 1)) * HEIGHT;
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.v === undefined) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
    pen = true;
  }
  // A single sample is a dot.
  const last = points.filter((p) => p.v !== undefined).pop();
  return (
    <div class="spark" data-testid={testId} data-points={points.length}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={label}>
        <path d={d} />
        {last && <circle cx={x(last.t)} cy={y(last.v ?? 0)} r="2" />}
      </svg>
      <span class="spark-label">{label}</span>
    </div>
  );
}
