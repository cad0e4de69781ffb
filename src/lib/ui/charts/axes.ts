/**
 * What the charts' axes share: a tick (its position in pixels and its text), the margins around a plot, the plot
 * area as its four edges in absolute SVG coordinates (what `Axes.svelte` draws along), and the frame of a chart
 * with two labelled axes (`rocChart`, `histogramChart`, the probes' `lossCurve`).
 */

export interface Tick {
  readonly pos: number;
  readonly label: string;
}

export interface Margin {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

/** The plot area in SVG pixels: x runs from `left` to `right`, y from `top` down to `bottom` (so top < bottom). */
export interface PlotEdges {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** The geometry every two-axis chart returns, whatever it draws inside the plot. */
export interface AxesGeometry {
  readonly width: number;
  readonly height: number;
  readonly margin: Margin;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xTicks: readonly Tick[];
  readonly yTicks: readonly Tick[];
  /** One sentence for screen readers. */
  readonly description: string;
}

/** The edges of the plot inside a `width` × `height` chart with `margin` around it. */
export function marginEdges(g: { readonly width: number; readonly height: number; readonly margin: Margin }): PlotEdges {
  return { left: g.margin.left, right: g.width - g.margin.right, top: g.margin.top, bottom: g.height - g.margin.bottom };
}

/** The edges of a plot rectangle given by its top-left corner and size. */
export function rectEdges(plot: { readonly x: number; readonly y: number; readonly width: number; readonly height: number }): PlotEdges {
  return { left: plot.x, right: plot.x + plot.width, top: plot.y, bottom: plot.y + plot.height };
}
