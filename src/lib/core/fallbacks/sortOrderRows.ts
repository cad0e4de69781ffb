/**
 * The row order of the paper's label heat maps (method-fallbacks.md §7, `plot_answers_ordering` with
 * `order_by_blocks`).
 */

/**
 * The sort key of one order: [number of windows (a, b, c) of three adjacent labels with a + 5b + c = 21, number of
 * C (1) labels, number of H (2) labels]. With labels 1–6 the windows are R-R-R, (2|4, 3, 4|2), (1|5, 3, 5|1) and
 * (5|6, 2, 6|5), so the first entry mostly counts runs of repetitions.
 *
 * @example heatmapRowKey([1, 2, 3, 3, 3, 3]) // [2, 1, 1]
 */
export function heatmapRowKey(order: readonly number[]): [number, number, number] {
  let windows = 0;
  for (let t = 0; t + 2 < order.length; t++) if (order[t] + 5 * order[t + 1] + order[t + 2] === 21) windows++;
  let c = 0;
  let h = 0;
  for (const l of order) {
    if (l === 1) c++;
    else if (l === 2) h++;
  }
  return [windows, c, h];
}

/**
 * Indices of the orders sorted ascending by `heatmapRowKey` (lexicographic), ties kept in input order (the
 * reference's numpy argsort leaves tie order unspecified). The first row is drawn at the bottom, as in the paper.
 * The 45 matrices extracted from the paper's PDFs are already in this order.
 */
export function sortOrderRows(orders: ReadonlyArray<readonly number[]>): number[] {
  const keys = orders.map(heatmapRowKey);
  return orders
    .map((_, i) => i)
    .sort((a, b) => keys[a][0] - keys[b][0] || keys[a][1] - keys[b][1] || keys[a][2] - keys[b][2] || a - b);
}
