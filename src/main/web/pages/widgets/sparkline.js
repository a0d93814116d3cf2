// A sparkline: the last values of a series as a line on a small canvas, drawn by hand (a chart library would be
// more code than this for 90×22 pixels). The newest value is the right edge; null is a gap.

/**
 * Draws `values` on `canvas`, whose CSS size is `width`×`height` (given, not read: reading a size in a loop
 * over a table's rows makes the browser lay the page out once per row). The scale runs from 0 to `max`
 * (default: the largest value, at least 1).
 */
export function drawSparkline(canvas, values, { max, color = '#2b5797', width = 90, height = 22 } = {}) {
  const present = values.filter((v) => v !== null && Number.isFinite(v));
  if (present.length === 0 && !canvas.dataset.drawn) return; // nothing to draw and nothing to clear
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  canvas.dataset.drawn = present.length ? 'true' : '';
  if (present.length === 0) return;
  const top = max ?? Math.max(1, ...present);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  g.strokeStyle = color;
  g.lineWidth = 1.25;
  g.beginPath();
  let drawing = false;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      drawing = false;
      return;
    }
    const x = values.length > 1 ? i * step : width;
    const y = height - 1 - (Math.min(v, top) / top) * (height - 2);
    if (drawing) g.lineTo(x, y);
    else g.moveTo(x, y);
    drawing = true;
  });
  g.stroke();
  // a value with no neighbour (the first sample, one between gaps) shows as a dot
  g.fillStyle = color;
  values.forEach((v, i) => {
    const alone = (i === 0 || values[i - 1] === null) && (i === values.length - 1 || values[i + 1] === null);
    if (v === null || !Number.isFinite(v) || !alone) return;
    const x = values.length > 1 ? i * step : width;
    g.fillRect(Math.min(x, width - 2), height - 2 - (Math.min(v, top) / top) * (height - 3), 2, 2);
  });
}

/** A fixed-length series that forgets its oldest value. */
export class Series {
  constructor(length = 60) {
    this.values = new Array(length).fill(null);
  }

  push(v) {
    this.values.push(v);
    this.values.shift();
  }

  /** The newest value, or null. */
  get last() {
    return this.values[this.values.length - 1];
  }
}
