// Bar charts as standalone SVG, written by hand so the report needs no charting dependency:
// one group of horizontal bars per row (a command, a percentile, a trace), one bar per series,
// a linear or logarithmic axis, a legend, and the value printed at the end of each bar.

import type { ChartSpec } from './types.ts';

const width = 760;
const labelWidth = 150;
const valueWidth = 90;
const barHeight = 14;
const barGap = 3;
const groupGap = 12;
/** Legend rows start here; the plot starts below the last legend row. */
const legendTop = 30;
const legendRowHeight = 16;
const charWidthPx = 6.5; // rough width of an 11 px sans-serif character
const labelCharsMax = 22;
const palette = ['#2b6cb0', '#c05621', '#2f855a', '#6b46c1', '#b7791f', '#c53030', '#319795', '#4a5568', '#d53f8c', '#718096'];

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

export function formatValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return '—';
  if (v === 0) return unit === '' ? '0' : `0 ${unit}`;
  const abs = Math.abs(v);
  let s: string;
  if (abs >= 1e6) s = `${(v / 1e6).toFixed(abs >= 1e7 ? 1 : 2)}M`;
  else if (abs >= 1e4) s = `${(v / 1e3).toFixed(abs >= 1e5 ? 0 : 1)}k`;
  else if (abs >= 100) s = v.toFixed(0);
  else if (abs >= 10) s = v.toFixed(1);
  else if (abs >= 1) s = v.toFixed(2);
  else s = v.toPrecision(2);
  return unit === '' ? s : `${s} ${unit}`;
}

function tickLabel(t: number): string {
  return t >= 1e4 ? formatValue(t, '') : String(Number(t.toPrecision(3)));
}

type Scale = { x(v: number): number; ticks: number[] };

function scale(values: number[], log: boolean, plotWidth: number): Scale {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  const max = positive.length === 0 ? 1 : Math.max(...positive);
  if (!log) {
    const step = niceStep(max / 4);
    const hi = Math.ceil(max / step) * step;
    const ticks = Array.from({ length: Math.round(hi / step) + 1 }, (_, i) => i * step);
    return { x: (v) => (Math.max(0, v) / hi) * plotWidth, ticks };
  }
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...positive, max))));
  const hi = Math.pow(10, Math.ceil(Math.log10(max) - 1e-9));
  const decades = Math.max(1, Math.log10(hi / lo));
  const ticks: number[] = [];
  for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
  // Bars start one decade below the smallest value so the smallest still has a visible length.
  const base = lo / 10;
  return { x: (v) => (v <= base ? 0 : (Math.log10(v / base) / (decades + 1)) * plotWidth), ticks: [base, ...ticks] };
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

/** Legend items left to right, wrapping onto new rows before the right edge. */
function legendRows(series: readonly string[], color: (s: string) => string): { items: string[]; bottom: number } {
  let x = labelWidth;
  let y = legendTop;
  const items = series.map((s) => {
    const w = 24 + s.length * charWidthPx;
    if (x > labelWidth && x + w > width - 10) {
      x = labelWidth;
      y += legendRowHeight;
    }
    const item = `<rect x="${x.toFixed(1)}" y="${y}" width="10" height="10" fill="${color(s)}"/><text x="${(x + 14).toFixed(1)}" y="${y + 9}" class="t">${escapeXml(s)}</text>`;
    x += w;
    return item;
  });
  return { items, bottom: y + 10 };
}

export function barChartSvg(chart: ChartSpec): string {
  const series = [...new Set(chart.groups.flatMap((g) => g.bars.map((b) => b.series)))];
  const color = (s: string): string => palette[series.indexOf(s) % palette.length] ?? '#000';
  const plotWidth = width - labelWidth - valueWidth;
  const sc = scale(chart.groups.flatMap((g) => g.bars.map((b) => b.value)), chart.log, plotWidth);
  const { items: legend, bottom } = legendRows(series, color);
  const top = bottom + 14;
  const parts: string[] = [];
  let y = top;
  for (const g of chart.groups) {
    const gh = Math.max(1, g.bars.length) * (barHeight + barGap);
    const label = g.label.length > labelCharsMax ? `${g.label.slice(0, labelCharsMax - 1)}…` : g.label;
    parts.push(`<text x="${labelWidth - 8}" y="${y + gh / 2 + 4}" text-anchor="end" class="l"><title>${escapeXml(g.label)}</title>${escapeXml(label)}</text>`);
    for (const b of g.bars) {
      const w = Number.isFinite(b.value) ? sc.x(b.value) : 0;
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${color(b.series)}"><title>${escapeXml(`${b.series}: ${formatValue(b.value, chart.unit)}`)}</title></rect>`);
      const text = Number.isFinite(b.value) ? formatValue(b.value, chart.unit) : 'n/a';
      parts.push(`<text x="${(labelWidth + w + 4).toFixed(1)}" y="${y + barHeight - 3}" class="v">${escapeXml(text)}</text>`);
      y += barHeight + barGap;
    }
    y += groupGap;
  }
  const height = y + 24;
  const axis = sc.ticks.map((t) => {
    const x = (labelWidth + sc.x(t)).toFixed(1);
    return `<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${y - groupGap}" class="g"/><text x="${x}" y="${y + 6}" text-anchor="middle" class="t">${escapeXml(tickLabel(t))}</text>`;
  });
  const unitNote = `${chart.unit}${chart.log ? ', log scale' : ''}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    '<style>.l{font-size:12px;fill:#222}.v{font-size:11px;fill:#333}.t{font-size:11px;fill:#555}.g{stroke:#ddd;stroke-width:1}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold" fill="#111">${escapeXml(chart.title)}</text>`,
    `<text x="${width - 10}" y="20" text-anchor="end" class="t">${escapeXml(unitNote)}</text>`,
    ...legend,
    ...axis,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
