// The portal's only script (the Content-Security-Policy allows no inline script): draws the
// dashboards' charts with chart.js from the JSON the page carries, and marks the page as drawn
// (data-charts-drawn) for the end-to-end tests.
/* global document, window, Chart */
'use strict';

const PALETTE = ['#0066cc', '#d9364f', '#008758', '#a66300', '#5c2f91', '#17324d'];
// An axis label longer than this is cut with an ellipsis (the chart's data table shows it whole):
// one very long imported value must not take the whole chart.
const LABEL_MAX_CHARS = 40;

function shortLabel(label) {
  const points = Array.from(String(label));
  return points.length > LABEL_MAX_CHARS
    ? `${points.slice(0, LABEL_MAX_CHARS - 1).join('')}…`
    : String(label);
}

function drawCharts() {
  const source = document.getElementById('chart-data');
  if (!source || typeof Chart === 'undefined') return;
  const { charts, suppressedLabel } = JSON.parse(source.textContent || '{}');
  let drawn = 0;
  for (const chart of charts || []) {
    const canvas = document.querySelector(`canvas[data-chart="${chart.id}"]`);
    if (!canvas) continue;
    new Chart(canvas, {
      type: chart.type,
      data: {
        labels: chart.labels.map(shortLabel),
        datasets: chart.series.map((series, i) => ({
          label: series.label,
          data: series.data,
          borderColor: PALETTE[i % PALETTE.length],
          backgroundColor: chart.type === 'doughnut' ? PALETTE : PALETTE[i % PALETTE.length],
          spanGaps: false,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) =>
                `${item.dataset.label}: ${item.raw === null ? suppressedLabel : item.formattedValue}`,
            },
          },
        },
      },
    });
    canvas.dataset.drawn = 'true';
    drawn += 1;
  }
  document.body.dataset.chartsDrawn = String(drawn);
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', drawCharts);
} else {
  drawCharts();
}
window.qdpPortal = { drawCharts };
