// An element's inner size (clientWidth × clientHeight), followed with a ResizeObserver: the review
// panes, the timeline's lanes and the overlay's picture area are laid out from it.
import { useLayoutEffect, useState } from 'react';
import type { Size } from './pane-layout';

export function useElementSize(el: HTMLElement | null): Size {
  const [size, setSize] = useState<Size>({ width: 0, height: 0 });
  useLayoutEffect(() => {
    if (!el) return;
    const read = () => setSize((s) => (s.width === el.clientWidth && s.height === el.clientHeight ? s : { width: el.clientWidth, height: el.clientHeight }));
    read();
    const ro = new ResizeObserver(read);
    ro.observe(el);
    return () => ro.disconnect();
  }, [el]);
  return size;
}
