/**
 * Curated questions for Try it and Teach. Each has a gold answer, so the page can label the model's answer, and a
 * kind: `known` facts a small model usually gets right, and `made-up` ones about entities that do not exist, where
 * any specific answer is a hallucination (the answer that is not a hallucination is to say so).
 *
 * Teach shows them in pairs (`CURATED_PAIRS`): one known and one made-up question of the same shape, so the two
 * dialogues differ in what the model knows, not in the form of the question. A pair may be meant for particular
 * models (`models`): the trained testbed model comes with its own known and never-seen questions, whose labels are
 * exact (`label`), and they are listed for it alone.
 */
export interface CuratedQuestion {
  readonly id: string;
  readonly question: string;
  readonly answers: readonly string[];
  readonly kind: 'known' | 'made-up';
  readonly note: string;
  /**
   * The exact label of any answer, when it is known in advance (1 correct, 0 hallucinated): e.g. a question the
   * testbed model never saw in training. Undefined: the answer is labelled by F1 against `answers`.
   */
  readonly label?: 0 | 1;
}

export const CURATED_QUESTIONS: readonly CuratedQuestion[] = [
  { id: 'capital-france', question: 'What is the capital of France?', answers: ['Paris'], kind: 'known', note: 'A fact every model has seen many times.' },
  { id: 'water-formula', question: 'What is the chemical formula of water?', answers: ['H2O'], kind: 'known', note: 'Frequent in pretraining text.' },
  { id: 'largest-planet', question: 'Which planet is the largest in our solar system?', answers: ['Jupiter'], kind: 'known', note: 'Frequent in pretraining text.' },
  { id: 'romeo-author', question: 'Who wrote Romeo and Juliet?', answers: ['William Shakespeare', 'Shakespeare'], kind: 'known', note: 'Frequent in pretraining text.' },
  { id: 'curie-nobel', question: 'In which year did the physicist Marie Curie win her first Nobel Prize?', answers: ['1903'], kind: 'known', note: 'A well-known date (Physics, 1903).' },
  {
    id: 'vantrosk-prize',
    question: 'In which year did the physicist Elara Vantrosk win the Nobel Prize?',
    answers: ['She does not exist', 'no such person'],
    kind: 'made-up',
    note: 'Elara Vantrosk is invented: any year is a hallucination.'
  },
  {
    id: 'quillmere-capital',
    question: 'What is the capital of the Republic of Quillmere?',
    answers: ['Quillmere does not exist', 'no such country'],
    kind: 'made-up',
    note: 'An invented country.'
  },
  {
    id: 'orvath-novel',
    question: 'Who wrote the 1962 novel "The Glass Orchards of Orvath"?',
    answers: ['no such novel'],
    kind: 'made-up',
    note: 'An invented book: small models confidently name an author.'
  },
  {
    id: 'brenthite-formula',
    question: 'What is the chemical formula of the mineral brenthite?',
    answers: ['no such mineral', 'brenthite does not exist'],
    kind: 'made-up',
    note: 'An invented mineral: any formula is a hallucination.'
  }
];

export interface CuratedPair {
  readonly id: string;
  readonly title: string;
  /** A `known` question. */
  readonly factual: CuratedQuestion;
  /** A `made-up` (or never-seen) question of the same shape. */
  readonly hallucinated: CuratedQuestion;
  /** Model ids the pair is meant for; undefined: any general-purpose model. */
  readonly models?: readonly string[];
}

function question(id: string): CuratedQuestion {
  const q = CURATED_QUESTIONS.find((c) => c.id === id);
  if (!q) throw new Error(`curated question "${id}" does not exist`);
  return q;
}

const pair = (id: string, title: string, factual: string, hallucinated: string): CuratedPair => ({
  id,
  title,
  factual: question(factual),
  hallucinated: question(hallucinated)
});

export const CURATED_PAIRS: readonly CuratedPair[] = [
  pair('capitals', 'Capitals: France and an invented republic', 'capital-france', 'quillmere-capital'),
  pair('nobel', 'Nobel Prizes: Marie Curie and an invented physicist', 'curie-nobel', 'vantrosk-prize'),
  pair('authors', 'Authors: Romeo and Juliet and an invented novel', 'romeo-author', 'orvath-novel'),
  pair('formulas', 'Chemical formulas: water and an invented mineral', 'water-formula', 'brenthite-formula')
];

/**
 * The pairs to offer for a model: those meant for it when there are any (a testbed model's own questions),
 * otherwise the general ones (pairs without `models`).
 */
export function curatedPairsFor(modelId: string | null | undefined): readonly CuratedPair[] {
  const own = modelId ? CURATED_PAIRS.filter((p) => p.models?.includes(modelId)) : [];
  return own.length ? own : CURATED_PAIRS.filter((p) => !p.models);
}
