/** The Loops-to-Oops charts as geometry and SVG (no Svelte): stacked bars and the label heat map. */
export * from './fallbacksPalette';
export * from './fallbacksStackedBars';
export * from './fallbacksOrderHeatmap';
