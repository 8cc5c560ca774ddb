import { countAxis } from './axis.js';
import { Legend } from './legend.js';
import { seriesColour } from './palette.js';

export interface StackedBarChartProps {
  /** What the chart shows, for its accessible name. */
  readonly title: string;
  /** The x axis, in order (days). */
  readonly columns: readonly string[];
  readonly series: readonly string[];
  /** value(column, series) */
  readonly value: (column: string, series: string) => number;
  /** Label every n-th column on the axis. */
  readonly labelEvery?: number;
}

const WIDTH = 900;
const HEIGHT = 260;
const PAD = { top: 12, right: 12, bottom: 36, left: 44 };

/** Columns of stacked bars, one colour per series; every bar has a title for hover and screen readers. */
export function StackedBarChart(props: StackedBarChartProps) {
  const { columns, series, value } = props;
  const totals = columns.map((column) => series.reduce((sum, name) => sum + value(column, name), 0));
  const { top, ticks } = countAxis(Math.max(0, ...totals));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, columns.length);
  const barWidth = Math.max(1, slot * 0.8);
  const y = (count: number) => (count / top) * plotHeight;
  const labelEvery = props.labelEvery ?? 7;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.title}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line
              x1={PAD.left}
              x2={WIDTH - PAD.right}
              y1={PAD.top + plotHeight - y(tick)}
              y2={PAD.top + plotHeight - y(tick)}
              class="grid"
            />
            <text x={PAD.left - 6} y={PAD.top + plotHeight - y(tick) + 4} class="axis" text-anchor="end">
              {tick}
            </text>
          </g>
        ))}
        {columns.map((column, columnIndex) => {
          let base = PAD.top + plotHeight;
          const x = PAD.left + columnIndex * slot + (slot - barWidth) / 2;
          return (
            <g key={column}>
              {series.map((name, seriesIndex) => {
                const count = value(column, name);
                if (count === 0) return null;
                const height = y(count);
                base -= height;
                return (
                  <rect key={name} x={x} y={base} width={barWidth} height={height} fill={seriesColour(seriesIndex)}>
                    <title>{`${column}: ${count} ${name}`}</title>
                  </rect>
                );
              })}
              {columnIndex % labelEvery === 0 && (
                <text x={x + barWidth / 2} y={HEIGHT - PAD.bottom + 16} class="axis" text-anchor="middle">
                  {column.slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <Legend names={series} />
    </figure>
  );
}
