/**
 * BM25 passage ranking as FActScore's retrieval uses it (the fallbacks repository switched FActScore to BM25,
 * k = 5 passages of the topic's own page, query `topic + " " + atom`). Okapi BM25 with the defaults of the
 * `rank_bm25` package: k1 = 1.5, b = 0.75, and a negative idf replaced by ε·(mean idf), ε = 0.25.
 * Words come from whitespace splitting, case-sensitive, as FActScore calls it.
 */
import type { Passage } from './factJudge';
import { pySplit, pyStrip } from './pyText';

export interface Bm25Options {
  readonly k1?: number;
  readonly b?: number;
  readonly epsilon?: number;
}

/**
 * Scores every document for a query: Σ over query words q (repeats count) of
 * idf(q) · tf·(k1+1) / (tf + k1·(1 − b + b·|d|/avgdl)), with idf(q) = ln((N − n_q + 0.5)/(n_q + 0.5)) for a word in
 * n_q of the N documents, a negative idf replaced by ε·mean(idf over the vocabulary), and 0 for unseen words.
 * Higher is a better match. No documents give []; documents that are all empty give NaN scores (avgdl = 0).
 */
export function bm25Scores(documents: readonly string[], query: string, options: Bm25Options = {}): number[] {
  const k1 = options.k1 ?? 1.5;
  const b = options.b ?? 0.75;
  const epsilon = options.epsilon ?? 0.25;
  const docs = documents.map(pySplit);
  const n = docs.length;
  if (n === 0) return [];
  const avgdl = docs.reduce((s, d) => s + d.length, 0) / n;
  const tfs = docs.map((d) => {
    const m = new Map<string, number>();
    for (const w of d) m.set(w, (m.get(w) ?? 0) + 1);
    return m;
  });
  const df = new Map<string, number>();
  for (const m of tfs) for (const w of m.keys()) df.set(w, (df.get(w) ?? 0) + 1);
  const idf = new Map<string, number>();
  let idfSum = 0;
  const negative: string[] = [];
  for (const [w, f] of df) {
    const v = Math.log(n - f + 0.5) - Math.log(f + 0.5);
    idf.set(w, v);
    idfSum += v;
    if (v < 0) negative.push(w);
  }
  const eps = (epsilon * idfSum) / idf.size;
  for (const w of negative) idf.set(w, eps);
  const scores = new Array<number>(n).fill(0);
  for (const q of pySplit(query)) {
    const w = idf.get(q) ?? 0;
    for (let i = 0; i < n; i++) {
      const tf = tfs[i].get(q) ?? 0;
      scores[i] += (w * (tf * (k1 + 1))) / (tf + k1 * (1 - b + (b * docs[i].length) / avgdl));
    }
  }
  return scores;
}

/**
 * The `k` passages that best match `topic + " " + atom`, best first (ties keep passage order; FActScore's numpy
 * argsort leaves tie order unspecified). Fewer than `k` passages returns them all, ranked.
 */
export function topPassages(passages: readonly Passage[], topic: string, atom: string, k = 5): Passage[] {
  const scores = bm25Scores(
    passages.map((p) => p.text.replaceAll('<s>', '').replaceAll('</s>', '')),
    `${topic} ${pyStrip(atom)}`
  );
  return scores
    .map((s, i) => ({ s, i }))
    .sort((x, y) => y.s - x.s || x.i - y.i)
    .slice(0, k)
    .map(({ i }) => passages[i]);
}
