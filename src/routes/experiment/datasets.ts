/**
 * The datasets the app serves itself (`static/data/`), and reading a dataset the user gives (JSON or JSONL) with the
 * core parser: every bad record is reported with its line (JSONL) or index (JSON), and nothing is stored until a
 * run starts.
 */
import { parseDataset, type Dataset } from '../../lib/core/datasets/parseDataset';
import type { Issue, Result } from '../../lib/core/issues';

export interface BundledDataset {
  readonly id: string;
  readonly label: string;
  /** Served path (under `static/`). */
  readonly path: string;
  readonly note: string;
}

export const BUNDLED_DATASETS: readonly BundledDataset[] = [
  {
    id: 'tiny_qa',
    label: 'Tiny QA (8 questions, exact labels)',
    path: '/data/qa/tiny_qa.jsonl',
    note: 'Written for this app: five common facts with answer aliases and three questions about made-up entities. Each carries a label for label_method "dataset".'
  },
  {
    id: 'testbed',
    label: 'Knowledge testbed (3,500 questions, exact labels by rule)',
    path: '/data/testbed/dataset.jsonl',
    note: 'The built-in testbed model\'s questions about fictional countries, in tiers (frequent, rare, never seen in training; testbed/MODEL_CARD.md). With label_method "dataset" each answer is labelled exactly by the knowledge base (rule testbed-value/v1), no judge. Meant for the testbed model: to any other model these countries do not exist.'
  },
  {
    id: 'trivia_facts',
    label: 'TriviaFacts (Loops to Oops, 97 list prompts)',
    path: '/data/fallbacks/trivia_facts.jsonl',
    note: 'Ivgi et al. 2024 (MIT): "The following 25 … 1." list prompts with their gold lists. Match/F1 labels compare the answer with every gold entry.'
  },
  {
    id: 'qampari',
    label: 'QAMPARI rephrased (Loops to Oops, 100 list prompts)',
    path: '/data/fallbacks/qampari_rephrased.jsonl',
    note: 'Ivgi et al. 2024 (MIT), from Amouyal et al. 2022: harder list questions with 5–110 gold answers.'
  },
  {
    id: 'fake_qampari',
    label: 'FakeQAMPARI (Loops to Oops, 100 unanswerable prompts)',
    path: '/data/fallbacks/fake_qampari.jsonl',
    note: 'Ivgi et al. 2024 (MIT): QAMPARI with made-up subjects; no gold answers, so match/F1 labels stay unknown.'
  }
];

export interface LoadedDataset {
  /** Bundled id or the file name. */
  readonly name: string;
  readonly source: 'bundled' | 'file';
  readonly dataset: Dataset;
  readonly sha256: string;
  readonly warnings: readonly Issue[];
}

/** Parses dataset text; the issues name the file and line or index of every bad record (ids must be unique). */
export function readDataset(text: string, where: string): Result<Dataset> {
  if (text.trim() === '') return { ok: false, issues: [{ code: 'empty', path: [], where, message: `${where}: the file is empty` }] };
  return parseDataset(text, { where });
}

/** Hex SHA-256 of the text (the run records which dataset it ran). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
