/**
 * The Loops-to-Oops colours as the app's CSS variables (app.css: `--correct`, `--halluc`, `--repeat`, `--bad`,
 * `--topic`, `--eos`), so the page's charts and list slots follow light and dark themes while keeping the paper's
 * hues; `fallbacksPalette.ts` keeps the paper's exact hex values for standalone SVG files.
 */
import type { SegmentKey } from './fallbacksPalette';

/** Stacked-bar segment → CSS colour. */
export const SEGMENT_CSS: Readonly<Record<SegmentKey, string>> = {
  correct: 'var(--correct)',
  hallucinations: 'var(--halluc)',
  repetitions: 'var(--repeat)',
  bad_format: 'var(--bad)',
  topic_change: 'var(--topic)',
  EOS: 'var(--eos)'
};

/** Stacked-bar segment → the words a legend shows. */
export const SEGMENT_NAMES: Readonly<Record<SegmentKey, string>> = {
  correct: 'correct',
  hallucinations: 'hallucination',
  repetitions: 'repetition',
  bad_format: 'bad format',
  topic_change: 'topic change',
  EOS: 'EOS (stopped)'
};

/** Label code (0 unchecked, 1 C … 6 EOS) → CSS colour. */
export const LABEL_CSS: Readonly<Record<number, string>> = {
  0: 'var(--muted)',
  1: 'var(--correct)',
  2: 'var(--halluc)',
  3: 'var(--repeat)',
  4: 'var(--bad)',
  5: 'var(--topic)',
  6: 'var(--eos)'
};

/** Label code → name. */
export const LABEL_NAMES: Readonly<Record<number, string>> = {
  0: 'not checked',
  1: 'correct',
  2: 'hallucination',
  3: 'repetition',
  4: 'bad format',
  5: 'topic change',
  6: 'EOS (stopped)'
};
