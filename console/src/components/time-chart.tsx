// A line chart over time drawn by uPlot on a canvas. The canvas is decoration for sighted readers:
// every chart is paired with the same numbers as text (a table), so it is hidden from assistive tech.
// uPlot sets sizes and positions through element.style (CSSOM), which the CSP's style-src allows;
// its stylesheet is bundled into the console's CSS file like the rest.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Colours come from CSS custom properties on the chart (styles.css), so dark mode applies. */
export type ChartColor = 'old' | 'new' | 'band' | 'threshold' | 'series-1' | 'series-2' | 'series-3' | 'series-4' | 'series-5' | 'error';

export type ChartLine = { label: string; values: (number | null)[]; color: ChartColor; dashed?: boolean; hidden?: boolean };

export type TimeChartProps = {
  /** Epoch milliseconds, ascending. */
  times: number[];
  lines: ChartLine[];
  /** Indices in `lines` of the upper and lower edges of a shaded band. */
  band?: [number, number];
  /** How the y axis shows a value, e.g. as a percentage. */
  formatValue: (value: number) => string;
  height?: number;
};

const cssColor = (element: Element, name: ChartColor | 'axis' | 'grid') =>
  getComputedStyle(element).getPropertyValue(`--chart-${name}`).trim() || 'currentColor';

export function TimeChart({ times, lines, band, formatValue, height = 240 }: TimeChartProps) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const axisColor = cssColor(element, 'axis');
    const gridColor = cssColor(element, 'grid');
    const axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 } };
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height,
      ms: 1,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [axis, { ...axis, size: 64, values: (_chart, ticks) => ticks.map((tick) => formatValue(tick)) }],
      series: [
        {},
        ...lines.map((line) => ({
          label: line.label,
          stroke: line.hidden ? 'transparent' : cssColor(element, line.color),
          width: line.hidden ? 0 : 2,
          points: { show: !line.hidden && times.length < 3 },
          ...(line.dashed ? { dash: [6, 4] } : {}),
        })),
      ],
      ...(band ? { bands: [{ series: [band[0] + 1, band[1] + 1] as [number, number], fill: cssColor(element, 'band') }] } : {}),
    };
    const data = [times, ...lines.map((line) => line.values)] as uPlot.AlignedData;
    const chart = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 200), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [times, lines, band, formatValue, height]);

  return <div className="time-chart" ref={container} aria-hidden="true" />;
}

/** The chart's legend: a line's name next to a sample of its colour (the colour only helps the eye). */
export function ChartLegend({ lines }: { lines: { label: string; color: ChartColor; dashed?: boolean }[] }) {
  return (
    <ul className="chart-legend">
      {lines.map((line) => (
        <li key={line.label}>
          <span className={`chart-swatch chart-swatch-${line.color}${line.dashed ? ' dashed' : ''}`} aria-hidden="true" />
          {line.label}
        </li>
      ))}
    </ul>
  );
}
