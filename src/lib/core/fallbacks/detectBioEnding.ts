/**
 * Where a generated bio stops being a bio, and how it ended (method-fallbacks.md §5 step 3,
 * `detect_open_ended_topic_change` of the reference).
 */
import type { BioStatus } from './labels';
import { pySplit, pyStrip } from './pyText';
import { splitSentences } from './splitSentences';

export interface BioEnding {
  /** The sentences that belong to the bio. */
  readonly sentences: string[];
  readonly status: BioStatus;
}

/** A block after a blank line that starts with one of these continues the bio (plain prefix test). */
export const CONTINUATION_PREFIXES: readonly string[] = ['he', 'she', 'it', 'they', 'when', 'in'];
/** A block this short (in characters) after a blank line is a heading ("Discography"): the bio ended. */
export const MAX_HEADING_LENGTH = 15;

/**
 * Finds the ending of a bio paragraph (`topic + " " + completion`):
 * - if a sentence starts with "the following is a bio" (any case), keep the sentences before it: TOPIC_CHANGE;
 * - else, for each block after the first (blocks are separated by "\n\n"), in order: a block starting with
 *   "references" or "category" (lower-cased) ends the bio: TOPIC_CHANGE with the sentences of the earlier blocks;
 *   a block starting with he, she, it, they, when, in or a lower-cased word of the topic continues it (a plain
 *   prefix test, so "Her…", "Italy…" and "Indeed…" continue too); otherwise a block of at most 15 characters ends
 *   it (TOPIC_CHANGE); a longer block continues;
 * - if nothing ended it: a last sentence that does not end with "." was cut by the token budget and is dropped
 *   (BAD_FORMAT); otherwise EOS.
 *
 * A paragraph without sentences gives `{ sentences: [], status: 'BAD_FORMAT' }` (the reference raises).
 */
export function detectBioEnding(paragraph: string, topic: string): BioEnding {
  if (typeof paragraph !== 'string') throw new TypeError(`detectBioEnding(paragraph, topic): paragraph must be a string, got ${typeof paragraph}`);
  if (typeof topic !== 'string') throw new TypeError(`detectBioEnding(paragraph, topic): topic must be a string, got ${typeof topic}`);
  const sentences = splitSentences(paragraph);
  const following = sentences.findIndex((s) => s.toLowerCase().startsWith('the following is a bio'));
  if (following >= 0) return { sentences: sentences.slice(0, following), status: 'TOPIC_CHANGE' };

  const blocks = paragraph.split('\n\n');
  const continuations = [...CONTINUATION_PREFIXES, ...pySplit(topic.toLowerCase())];
  for (let i = 1; i < blocks.length; i++) {
    const lower = blocks[i].toLowerCase();
    const before = (): string[] => splitSentences(blocks.slice(0, i).join('\n\n'));
    if (lower.startsWith('references') || lower.startsWith('category')) return { sentences: before(), status: 'TOPIC_CHANGE' };
    if (continuations.some((w) => lower.startsWith(w))) continue;
    // Python's len counts code points.
    if ([...blocks[i]].length <= MAX_HEADING_LENGTH) return { sentences: before(), status: 'TOPIC_CHANGE' };
  }
  if (sentences.length === 0) return { sentences: [], status: 'BAD_FORMAT' };
  if (!pyStrip(sentences[sentences.length - 1]).endsWith('.')) return { sentences: sentences.slice(0, -1), status: 'BAD_FORMAT' };
  return { sentences, status: 'EOS' };
}
