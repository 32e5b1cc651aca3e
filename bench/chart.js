'use strict';
// Renders bench/chart.svg from results.json: each target row as a bar of measured ÷ target,
// scaled so that 100% is the target line (for lower-is-better rows, target ÷ measured).
function renderChart(results) {
  const rows = results.rows.filter((r) => r.goal !== undefined);
  const width = 640;
  const barHeight = 22;
  const left = 250;
  const scaleMax = 2; // bars run from 0 to 200% of target
  const plot = width - left - 60;
  const height = 40 + rows.length * (barHeight + 10);
  const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const bars = rows.map((r, i) => {
    const score = r.lowerIsBetter ? (r.value === 0 ? scaleMax : r.goal / r.value) : r.value / r.goal;
    const w = Math.max(2, Math.min(scaleMax, score) * (plot / scaleMax));
    const y = 30 + i * (barHeight + 10);
    const colour = r.met ? '#2e7d32' : '#c62828';
    return [
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end" font-size="12">${r.row}. ${escape(r.figure.split(' (')[0].split(':')[0])}</text>`,
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${colour}"/>`,
      `<text x="${left + w + 4}" y="${y + 15}" font-size="11">${(score * 100).toFixed(0)}%</text>`,
    ].join('');
  });
  const targetX = left + plot / scaleMax;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<text x="8" y="18" font-size="13">express-mca-oauth: each figure against its target (100% = target met exactly; ${escape(results.machine)})</text>
${bars.join('\n')}
<line x1="${targetX}" y1="26" x2="${targetX}" y2="${height - 4}" stroke="#333" stroke-dasharray="4 3"/>
</svg>
`;
}

module.exports = { renderChart };
