import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartDataset } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

// Only what these charts draw, so the bundle carries no unused chart types.
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

/** Distinct on white and on each other (each at least 4.5:1 against the background). */
export const palette = ['#1f5fa8', '#b3261e', '#6b3fa0', '#1b6e46', '#9a4a00', '#205f6e', '#8c2b63', '#4a5361'];

export interface Series {
  label: string;
  values: (number | null)[];
  color?: string;
  /** A dashed line (p99 beside p50). */
  dashed?: boolean;
}

/**
 * A chart over time buckets with its numbers as a table beside it (for screen readers and for
 * reading exact values): the canvas has a label, the table sits in a disclosure.
 */
export function TimeChart(props: { title: string; kind: 'bar' | 'line'; labels: string[]; series: Series[]; stacked?: boolean; unit?: string; description: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | undefined>(undefined);

  useEffect(() => {
    if (canvas.current === null) return;
    const datasets = props.series.map((series, index): ChartDataset<'bar' | 'line', (number | null)[]> => {
      const color = series.color ?? palette[index % palette.length] ?? '#1f5fa8';
      return {
        label: series.label,
        data: series.values,
        backgroundColor: color,
        borderColor: color,
        borderWidth: props.kind === 'line' ? 2 : 0,
        pointRadius: props.kind === 'line' ? 2 : 0,
        spanGaps: true,
        ...(series.dashed === true ? { borderDash: [6, 4] } : {}),
      };
    });
    const config = {
      type: props.kind,
      data: { labels: props.labels, datasets },
      options: {
        animation: false as const,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index' as const, intersect: false },
        plugins: { legend: { position: 'bottom' as const, labels: { boxWidth: 12 } } },
        scales: {
          x: { stacked: props.stacked === true, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
          y: { stacked: props.stacked === true, beginAtZero: true, ...(props.unit === undefined ? { ticks: { precision: 0 } } : { title: { display: true, text: props.unit } }) },
        },
      },
    };
    if (chart.current === undefined) chart.current = new Chart(canvas.current, config);
    else {
      chart.current.data = config.data;
      chart.current.update();
    }
  }, [props.kind, props.labels, props.series, props.stacked, props.unit]);

  useEffect(
    () => () => {
      chart.current?.destroy();
      chart.current = undefined;
    },
    [],
  );

  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div class="chart-canvas">
        <canvas ref={canvas} role="img" aria-label={`${props.title}. ${props.description}`} />
      </div>
      <details>
        <summary>Show the numbers</summary>
        <div class="table-scroll">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Time</th>
                {props.series.map((series) => (
                  <th scope="col" key={series.label}>
                    {series.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.labels.map((label, row) => (
                <tr key={`${label}-${row}`}>
                  <th scope="row">{label}</th>
                  {props.series.map((series) => (
                    <td key={series.label}>{series.values[row] ?? '—'}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
