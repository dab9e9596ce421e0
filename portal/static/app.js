// The portal's only script (the Content-Security-Policy allows no inline script): draws the
// dashboards' charts with chart.js from the JSON the page carries, and marks the page as drawn
// (data-charts-drawn) for the end-to-end tests.
/* global document, window, Chart */
'use strict';

const PALETTE = ['#0066cc', '#d9364f', '#008758', '#a66300', '#5c2f91', '#17324d'];

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
        labels: chart.labels,
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
