import { countAxis } from './axis.js';
import { Legend } from './legend.js';
import { seriesColour } from './palette.js';

export interface LineChartProps {
  readonly title: string;
  /** Sample times (ISO), in order. */
  readonly times: readonly string[];
  /** One line per series, a value per sample time. */
  readonly series: readonly { readonly name: string; readonly values: readonly number[] }[];
}

const WIDTH = 900;
const HEIGHT = 170;
const PAD = { top: 12, right: 12, bottom: 30, left: 52 };

/** Lines over time on a shared axis; the accessible name says what they show. */
export function LineChart(props: LineChartProps) {
  const { times, series } = props;
  const { top, ticks } = countAxis(Math.max(0, ...series.flatMap((line) => line.values)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (index: number) => PAD.left + (times.length <= 1 ? plotWidth / 2 : (index / (times.length - 1)) * plotWidth);
  const y = (value: number) => PAD.top + plotHeight - (value / top) * plotHeight;
  const first = times[0];
  const last = times[times.length - 1];
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.title}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} class="grid" />
            <text x={PAD.left - 6} y={y(tick) + 4} class="axis" text-anchor="end">
              {tick}
            </text>
          </g>
        ))}
        {series.map((line, index) => (
          <polyline
            key={line.name}
            fill="none"
            stroke={seriesColour(index)}
            stroke-width="2"
            points={line.values.map((value, at) => `${x(at).toFixed(1)},${y(value).toFixed(1)}`).join(' ')}
          >
            <title>{`${line.name}: ${line.values[line.values.length - 1] ?? 0} in the last interval`}</title>
          </polyline>
        ))}
        {first !== undefined && (
          <text x={PAD.left} y={HEIGHT - 8} class="axis">
            {first.slice(11, 19)}
          </text>
        )}
        {last !== undefined && times.length > 1 && (
          <text x={WIDTH - PAD.right} y={HEIGHT - 8} class="axis" text-anchor="end">
            {last.slice(11, 19)} UTC
          </text>
        )}
      </svg>
      <Legend names={series.map((line) => line.name)} />
    </figure>
  );
}
