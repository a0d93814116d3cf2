// A time chart on uPlot (the small chart library GUI.md names), for the host's CPU and memory: a series of
// [unix seconds, value] that the page appends to.
import uPlot from '../../vendor/uplot/uPlot.esm.js';

let styled = false;

/** A chart of one series in `el`; returns {push(time, value), set(points), destroy()}. */
export function timeChart(el, { label, unit, max = null, color = '#2b5797', keep = 120 }) {
  if (!styled) { // uPlot's own sheet, once per page
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = 'vendor/uplot/uPlot.min.css';
    document.head.append(link);
    styled = true;
  }
  let xs = [];
  let ys = [];
  const plot = new uPlot({
    width: Math.max(300, el.clientWidth || 420),
    height: 160,
    legend: { show: false },
    scales: { x: { time: true }, y: max === null ? { auto: true, range: (u, lo, hi) => [0, Math.max(1, hi * 1.1)] } : { range: [0, max] } },
    axes: [{}, { label: unit, size: 60 }],
    series: [{}, { label, stroke: color, fill: color + '22', width: 1.5 }],
  }, [xs, ys], el);
  const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(300, el.clientWidth), height: 160 }));
  resize.observe(el);
  return {
    set(points) {
      xs = points.map((p) => p[0]);
      ys = points.map((p) => p[1]);
      plot.setData([xs, ys]);
    },
    push(time, value) {
      if (xs.length && time <= xs[xs.length - 1]) return;
      xs.push(time);
      ys.push(value);
      if (xs.length > keep) {
        xs.shift();
        ys.shift();
      }
      plot.setData([xs, ys]);
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}
