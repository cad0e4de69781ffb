export { marginEdges, rectEdges, type AxesGeometry, type Margin, type PlotEdges, type Tick } from './axes';
export { rocChart, type RocGeometry, type RocSeries, type RocChartOptions } from './rocChart';
export { histogramChart, equalWidthBins, type HistogramGeometry, type HistogramGroup, type HistogramBins, type HistogramChartOptions } from './histogramChart';
export { rocChartToSvg, histogramChartToSvg, escapeXml } from './toSvg';
export { SERIES_STYLES, seriesStyle, type SeriesStyle } from './palette';
export * from './trajectory';
