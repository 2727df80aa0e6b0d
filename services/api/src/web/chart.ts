import type { UsageByMajor } from '@packhouse/registry';
import { html, type Html } from './html.ts';

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 36 };
// Colour-blind-safe (Okabe-Ito), with a dash pattern each so colour is not the only cue.
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4'];

/**
 * Weekly usage by major version as an SVG line chart drawn on the server, and the same
 * figures as a table: the chart is hidden from screen readers, which read the table.
 */
export function usageChart(usage: UsageByMajor, caption: string): Html {
  const series = usage.series.slice(0, COLOURS.length);
  if (series.length === 0)
    return html`<p class="muted">No site has reported using it in the last ${usage.weeks.length} weeks.</p>`;
  const max = Math.max(1, ...series.flatMap((s) => s.sites));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (usage.weeks.length === 1 ? plotW / 2 : (i * plotW) / (usage.weeks.length - 1));
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const ticks = [0, Math.round(max / 2), max];
  const svg = html`<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-hidden="true" focusable="false">
${ticks.map((t) => html`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(t)}" y2="${y(t)}" stroke="#d0d7de"/><text x="${PAD.left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11" fill="#57606a">${t}</text>`)}
${usage.weeks.map((week, i) => (i % 3 === usage.weeks.length % 3 || i === usage.weeks.length - 1 ? html`<text x="${x(i)}" y="${HEIGHT - 18}" text-anchor="middle" font-size="11" fill="#57606a">${week.slice(5)}</text>` : ''))}
${series.map((s, n) => html`<polyline fill="none" stroke="${COLOURS[n]!}" stroke-width="2.5" stroke-dasharray="${DASHES[n]!}" points="${s.sites.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`)}
${series.map((s, n) => html`<g><line x1="${PAD.left + n * 100}" x2="${PAD.left + n * 100 + 24}" y1="${HEIGHT - 4}" y2="${HEIGHT - 4}" stroke="${COLOURS[n]!}" stroke-width="2.5" stroke-dasharray="${DASHES[n]!}"/><text x="${PAD.left + n * 100 + 28}" y="${HEIGHT - 1}" font-size="11" fill="#1b1f24">${s.major}</text></g>`)}
</svg>`;
  return html`<figure class="chart">${svg}
<figcaption>${caption}</figcaption>
<details><summary>Usage as a table</summary>
<table><caption class="sr-only">${caption}</caption>
<thead><tr><th scope="col">Week</th>${series.map((s) => html`<th scope="col">${s.major}</th>`)}</tr></thead>
<tbody>${usage.weeks.map((week, i) => html`<tr><th scope="row">${week}</th>${series.map((s) => html`<td>${s.sites[i]!}</td>`)}</tr>`)}</tbody>
</table></details></figure>`;
}
