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

/** Rounds a maximum up to a tidy axis top (1, 2 or 5 times a power of ten). */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power;
}

/** Columns of stacked bars, one colour per series; every bar has a title for hover and screen readers. */
export function StackedBarChart(props: StackedBarChartProps) {
  const { columns, series, value } = props;
  const totals = columns.map((column) => series.reduce((sum, name) => sum + value(column, name), 0));
  const top = niceCeiling(Math.max(0, ...totals));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, columns.length);
  const barWidth = Math.max(1, slot * 0.8);
  const y = (count: number) => (count / top) * plotHeight;
  const labelEvery = props.labelEvery ?? 7;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.title}>
        {[0, 0.25, 0.5, 0.75, 1].map((fraction) => (
          <g key={fraction}>
            <line
              x1={PAD.left}
              x2={WIDTH - PAD.right}
              y1={PAD.top + plotHeight - fraction * plotHeight}
              y2={PAD.top + plotHeight - fraction * plotHeight}
              class="grid"
            />
            <text x={PAD.left - 6} y={PAD.top + plotHeight - fraction * plotHeight + 4} class="axis" text-anchor="end">
              {Math.round(fraction * top)}
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
