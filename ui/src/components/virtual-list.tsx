// A list that renders only the rows in view (plus a few around), so 10,000 boards cost the
// DOM of about 40 rows. Fixed row height; the scroller's height comes from CSS. Rows are keyed
// by their slot in the window, not by item: scrolling then rewrites the text of the same ~40
// row elements instead of removing and creating them (a jump of a screen replaced every row,
// hundreds of DOM nodes per frame). Rows must hold no state of their own for this.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/** Rows rendered beyond each edge of the viewport. */
const OVERSCAN = 8;

interface Props<T> {
  items: T[];
  rowHeight: number;
  row: (item: T, index: number) => ComponentChildren;
  class?: string;
  testId?: string;
}

export function VirtualList<T>(p: Props<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(600);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(top / p.rowHeight) - OVERSCAN);
  const last = Math.min(p.items.length, Math.ceil((top + height) / p.rowHeight) + OVERSCAN);
  const visible = p.items.slice(first, last);
  return (
    <div
      ref={ref}
      class={`vlist ${p.class ?? ''}`}
      data-testid={p.testId}
      data-count={p.items.length}
      onScroll={(e) => setTop((e.currentTarget as HTMLDivElement).scrollTop)}
    >
      <div style={{ height: `${p.items.length * p.rowHeight}px`, position: 'relative' }}>
        <div style={{ transform: `translateY(${first * p.rowHeight}px)` }}>
          {visible.map((it, i) => (
            <div class="vrow" key={i} style={{ height: `${p.rowHeight}px` }}>
              {p.row(it, first + i)}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
