/**
 * Curated questions for Try it and Teach. Each has a gold answer, so the page can label the model's answer, and a
 * kind: `known` facts a small model usually gets right, and `made-up` ones about entities that do not exist, where
 * any specific answer is a hallucination (the answer that is not a hallucination is to say so).
 */
export interface CuratedQuestion {
  readonly id: string;
  readonly question: string;
  readonly answers: readonly string[];
  readonly kind: 'known' | 'made-up';
  readonly note: string;
}

export const CURATED_QUESTIONS: readonly CuratedQuestion[] = [
  { id: 'capital-france', question: 'What is the capital of France?', answers: ['Paris'], kind: 'known', note: 'A fact every model has seen many times.' },
  { id: 'water-formula', question: 'What is the chemical formula of water?', answers: ['H2O'], kind: 'known', note: 'Frequent in pretraining text.' },
  { id: 'largest-planet', question: 'Which planet is the largest in our solar system?', answers: ['Jupiter'], kind: 'known', note: 'Frequent in pretraining text.' },
  { id: 'romeo-author', question: 'Who wrote Romeo and Juliet?', answers: ['William Shakespeare', 'Shakespeare'], kind: 'known', note: 'Frequent in pretraining text.' },
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
  }
];
