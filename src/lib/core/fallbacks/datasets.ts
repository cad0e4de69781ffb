/**
 * The Loops-to-Oops datasets as the app bundles them (`static/data/fallbacks/`, MIT, see SOURCE.md there):
 * where they are, and parsers that report every problem with its line.
 */
import { InputError, typeName, type Issue } from '../issues';
import { jsonLines } from '../jsonLines';

/** Paths under the app's static root (`static/`), i.e. URLs relative to the site base. */
export const FALLBACKS_DATA_FILES = {
  triviaFacts: 'data/fallbacks/trivia_facts.jsonl',
  qampari: 'data/fallbacks/qampari_rephrased.jsonl',
  fakeQampari: 'data/fallbacks/fake_qampari.jsonl',
  bioTopics: 'data/fallbacks/open_ended/topics.jsonl',
  bioTopicPool: 'data/fallbacks/open_ended/all_topics.jsonl',
  paperPlotValues: 'data/fallbacks/derived/paper_plot_values.json',
  license: 'data/fallbacks/LICENSE.fallbacks-MIT.txt',
  source: 'data/fallbacks/SOURCE.md'
} as const;

/** TriviaFacts rows the paper's plots drop (penguin species, 18 answers; Lost Generation authors, 41), 0-based. */
export const TRIVIA_FACTS_DROPPED_ROWS: readonly number[] = [70, 73];

/** Mean gold-list length over all rows: the dashed line of the bar charts (6.63 TriviaFacts, 14.52 QAMPARI). */
export const GOLD_MEAN_LINE = { triviaFacts: 6.63, qampari: 14.52 } as const;

export interface ListQuestion {
  /** The dataset key: the prompt plus `"\n1."`. */
  readonly key: string;
  /** Gold answers ([] for FakeQAMPARI). */
  readonly gold: string[];
}

/**
 * Reads a list dataset: one JSON object per line with exactly one key (the prompt ending in `"\n1."`) whose value
 * is the list of gold answers. Throws an `InputError` listing every bad line.
 */
export function parseListDataset(text: string, where = 'dataset'): ListQuestion[] {
  const issues: Issue[] = [];
  const out: ListQuestion[] = [];
  for (const { value, n, at } of jsonLines(text, where, issues)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length !== 1) {
      issues.push({ code: 'invalid_type', path: [], where: at, message: `line ${n} must be an object with one key (the prompt), got ${typeName(value)}` });
      continue;
    }
    const [key, gold] = Object.entries(value as Record<string, unknown>)[0];
    if (!key.endsWith('\n1.')) issues.push({ code: 'invalid_value', path: [key], where: at, message: `line ${n}: the prompt must end with "\\n1."` });
    else if (!Array.isArray(gold) || !gold.every((g) => typeof g === 'string')) {
      issues.push({ code: 'invalid_type', path: [key], where: at, message: `line ${n}: the gold answers must be a list of strings, got ${typeName(gold)}` });
    } else out.push({ key, gold: gold as string[] });
  }
  if (issues.length) throw new InputError(issues);
  return out;
}

export interface BioTopic {
  readonly topic: string;
  /** FActScore popularity: very rare, rare, medium, freq, very freq. */
  readonly popularity: string;
  readonly region?: string;
  readonly source?: string;
}

/** Reads the bio topics (`{"topic", "popularity", …}` per line); every bad line is reported. */
export function parseBioTopics(text: string, where = 'topics'): BioTopic[] {
  const issues: Issue[] = [];
  const out: BioTopic[] = [];
  for (const { value, n, at } of jsonLines(text, where, issues)) {
    const v = value as Record<string, unknown>;
    if (typeof v !== 'object' || v === null || typeof v.topic !== 'string' || typeof v.popularity !== 'string') {
      issues.push({ code: 'invalid_type', path: [], where: at, message: `line ${n} must have string fields "topic" and "popularity"` });
      continue;
    }
    out.push({
      topic: v.topic,
      popularity: v.popularity,
      ...(typeof v.region === 'string' ? { region: v.region } : {}),
      ...(typeof v.source === 'string' ? { source: v.source } : {})
    });
  }
  if (issues.length) throw new InputError(issues);
  return out;
}
