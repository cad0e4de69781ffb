import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FALLBACKS_DATA_FILES,
  ICL_INSTRUCTION,
  IDK_INSTRUCTION,
  buildBioPrompt,
  buildListPrompt,
  labelListCompletion,
  logprobsJsonLine,
  logprobsJsonlName,
  parseBioTopics,
  parseListDataset,
  reportCsvHeader,
  reportCsvPath,
  reportCsvRow,
  resultsCsvHeader,
  resultsCsvName,
  resultsCsvRow,
  resultsJsonLine,
  resultsJsonlName,
  temperatureSuffix,
  variantFolder
} from '../../src/lib/core/fallbacks/index';
import { repoRoot, sharedDir } from './fallbacks-shared';

const staticDir = join(repoRoot, 'static');
const readStatic = (p: string): string => readFileSync(join(staticDir, p), 'utf8');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('the bundled data (static/data/fallbacks)', () => {
  it('static/data/fallbacks is a verbatim copy of ../shared/data/fallbacks, licence and SOURCE.md included', () => {
    const shared = join(sharedDir(), 'data', 'fallbacks');
    const ours = join(staticDir, 'data', 'fallbacks');
    const names = filesUnder(shared).map((p) => relative(shared, p)).sort();
    expect(filesUnder(ours).map((p) => relative(ours, p)).sort()).toEqual(names);
    expect(names).toContain('LICENSE.fallbacks-MIT.txt');
    for (const n of names) expect(readFileSync(join(ours, n)).equals(readFileSync(join(shared, n))), n).toBe(true);
  });

  it('parseListDataset reads TriviaFacts (97, mean gold 6.64), QAMPARI (100, 14.52) and FakeQAMPARI (100, all empty)', () => {
    const trivia = parseListDataset(readStatic(FALLBACKS_DATA_FILES.triviaFacts));
    const qampari = parseListDataset(readStatic(FALLBACKS_DATA_FILES.qampari));
    const fake = parseListDataset(readStatic(FALLBACKS_DATA_FILES.fakeQampari));
    const meanGold = (q: { gold: string[] }[]): number => q.reduce((s, x) => s + x.gold.length, 0) / q.length;
    expect(trivia).toHaveLength(97);
    expect(meanGold(trivia)).toBeCloseTo(6.639, 3);
    expect(qampari).toHaveLength(100);
    expect(meanGold(qampari)).toBeCloseTo(14.52, 2);
    expect(fake).toHaveLength(100);
    expect(fake.every((q) => q.gold.length === 0)).toBe(true);
    expect(trivia[0].key).toBe('The following 25 fingers are part of the human hand\n1.');
  });

  it('parseBioTopics reads 125 topics, 25 per popularity level in order', () => {
    const topics = parseBioTopics(readStatic(FALLBACKS_DATA_FILES.bioTopics));
    expect(topics).toHaveLength(125);
    expect(topics[0].topic).toBe('Lanny Flaherty');
    expect([0, 25, 50, 75, 100].map((i) => topics[i].popularity)).toEqual(['very rare', 'rare', 'medium', 'freq', 'very freq']);
  });

  it('parseListDataset reports every bad line with its number', () => {
    const text = '{"A\\n1.": ["x"]}\nnot json\n{"B": ["y"]}\n{"C\\n1.": "z"}\n';
    try {
      parseListDataset(text, 'x.jsonl');
      expect.unreachable();
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain('line 2 is not JSON');
      expect(msg).toContain('line 3: the prompt must end with "\\n1."');
      expect(msg).toContain('line 4: the gold answers must be a list of strings, got string');
      expect(msg).toContain('x.jsonl:4');
    }
  });
});

describe('prompts', () => {
  const key = 'The following 25 fingers are part of the human hand\n1.';

  it('buildListPrompt(key) feeds the key as is and compares against it without "\\n1."', () => {
    expect(buildListPrompt(key)).toEqual({ prompt: key.slice(0, -3), suffix: '\n1.', modelInput: key });
  });

  it('buildListPrompt variants: ICL prefix, idk instruction, free text, no-25 (instruction included), colon', () => {
    expect(buildListPrompt(key, { instruction: 'icl' }).modelInput).toBe(ICL_INSTRUCTION + key);
    expect(buildListPrompt(key, { instruction: 'idk' }).prompt).toBe(IDK_INSTRUCTION + key.slice(0, -3));
    expect(buildListPrompt(key, { instruction: 'Be brief.' }).prompt).toBe('Be brief. ' + key.slice(0, -3));
    const no25 = buildListPrompt(key, { instruction: 'icl', no25: true }).prompt;
    expect(no25.startsWith('The following are known moons of Mars\n')).toBe(true);
    expect(no25.endsWith('The following fingers are part of the human hand')).toBe(true);
    expect(buildListPrompt('Zane Fletcher directed a film. Here are 25 of them:\n1.', { no25: true }).prompt).toBe(
      'Zane Fletcher directed a film. Here are of them:'
    );
    expect(buildListPrompt(key, { colon: true }).modelInput).toBe(key.slice(0, -3) + ':\n1.');
  });

  it('ICL_INSTRUCTION and IDK_INSTRUCTION are verbatim the strings of method-fallbacks.md §2.3', () => {
    const doc = readFileSync(join(sharedDir(), 'docs', 'method-fallbacks.md'), 'utf8');
    const quoted = (name: string): string => JSON.parse(new RegExp('^- `' + name + '`: `("[^`]*")`', 'm').exec(doc)![1]) as string;
    expect(ICL_INSTRUCTION).toBe(quoted('icl'));
    expect(IDK_INSTRUCTION).toBe(quoted('idk'));
  });

  it('buildListPrompt refuses a key without "\\n1." and the colon variant on a prompt that has a colon', () => {
    expect(() => buildListPrompt('The following 25 fingers')).toThrow('a list question key must end with "\\n1."');
    expect(() => buildListPrompt('The following 25 manga were drawn by X:\n1.', { colon: true })).toThrow('already ends with one');
  });

  it('buildBioPrompt(topic) is the template plus "\\n{topic}", nothing appended', () => {
    expect(buildBioPrompt('Lanny Flaherty')).toEqual({
      prompt: 'The following is a bio of Lanny Flaherty:\nLanny Flaherty',
      suffix: '',
      modelInput: 'The following is a bio of Lanny Flaherty:\nLanny Flaherty'
    });
    expect(buildBioPrompt('X', { template: 'Bio of {topic}.' }).modelInput).toBe('Bio of X.\nX');
    expect(() => buildBioPrompt('X', { template: 'Bio:' })).toThrow('the bio template must contain {topic}, got "Bio:"');
  });
});

describe('output names (method-fallbacks.md §3)', () => {
  const base = { task: 'trivia_facts' as const, model: 'EleutherAI/pythia-12b', nPrompts: 97 };

  it('resultsJsonlName and logprobsJsonlName follow the reference, "/" as "+"', () => {
    expect(resultsJsonlName(base)).toBe('hq_qampari_results_97_prompts_EleutherAI+pythia-12b_512T.jsonl');
    expect(logprobsJsonlName({ task: 'bio', model: 'EleutherAI/pythia-12b', nPrompts: 125, temperature: 0.5 })).toBe(
      'open_ended_logprobs_125_prompts_EleutherAI+pythia-12b_512T_temp=0_5.jsonl'
    );
    expect(resultsJsonlName({ ...base, task: 'qampari', nPrompts: 200, temperature: 1 })).toBe(
      'qampari_results_200_prompts_EleutherAI+pythia-12b_512T_temp=1_0.jsonl'
    );
    expect(temperatureSuffix(0)).toBe('');
  });

  it('resultsCsvName and reportCsvPath carry the reps tag with the temperature as Python writes it', () => {
    expect(resultsCsvName(base)).toBe('hq_qampari_results_EleutherAI+pythia-12b_answerable.csv');
    expect(resultsCsvName({ ...base, temperature: 0.5, reps: 5 })).toBe('hq_qampari_results_EleutherAI+pythia-12b_temp=0.5_5reps_answerable.csv');
    expect(resultsCsvName({ ...base, task: 'qampari', nPrompts: 200 }, 'unanswerable')).toBe('qampari_results_EleutherAI+pythia-12b_unanswerable.csv');
    expect(reportCsvPath(base)).toBe('reports/hq_qampari_results_EleutherAI+pythia-12b_answerable.csv');
    expect(variantFolder({ no25: true })).toBe('no25_exps');
  });

  it('output names refuse reps without temperature, and FakeQAMPARI outside the qampari task', () => {
    expect(() => resultsCsvName({ ...base, reps: 5 })).toThrow('reps > 1 needs a temperature > 0');
    expect(() => resultsCsvName(base, 'unanswerable')).toThrow('only the qampari task has an unanswerable part');
    expect(() => resultsJsonlName({ ...base, nPrompts: 0 })).toThrow('nPrompts must be a positive integer, got 0');
  });
});

describe('result lines', () => {
  it('resultsJsonLine writes json.dumps output', () => {
    expect(resultsJsonLine('The following 25 are continents', ' Asia\n2. Europe')).toBe(
      '{"prompt": "The following 25 are continents", "completion": " Asia\\n2. Europe"}'
    );
  });

  it('logprobsJsonLine keeps rank order (even for number-like tokens), Python floats, and merges duplicate texts as a dict does', () => {
    const line = logprobsJsonLine('P\n1.', [
      [[' Asia', -0.41], ['1', -2.3], [' North', -2.6], [' Asia', -3.1], [' The', -4]],
      [['\n', -1.2345e-5]]
    ]);
    expect(line).toBe('{"prompt": "P\\n1.", "logprobs": [{" Asia": -3.1, "1": -2.3, " North": -2.6, " The": -4.0}, {"\\n": -1.2345e-05}]}');
    expect(JSON.parse(line).logprobs[0][' Asia']).toBe(-3.1);
    expect(() => logprobsJsonLine('P', [[['x', -Infinity]]])).toThrow('step 0 has a bad pair');
  });

  it('resultsCsvRow writes a pandas to_csv row: quoted prompt, ints, True/False, the order as a Python list', () => {
    const label = labelListCompletion({ completion: ' Asia\n2. Asia', gold: ['Asia'], prompt: 'P' });
    expect(resultsCsvHeader()).toBe(',correct,bad_format,topic_change,eos,hallucinated,repeated,degenerated_tail,order');
    expect(resultsCsvRow('The following 25 are continents, "big"', { ...label, degenerated_tail: false })).toBe(
      '"The following 25 are continents, ""big""",1,23,0,0,0,1,False,"[1, 3, ' + Array(23).fill(4).join(', ') + ']"'
    );
    expect(resultsCsvRow('p', { correct: 3.5, bad_format: 0, topic_change: 0, eos: 6.5, hallucinated: 7.5, repeated: 7.5, degenerated_tail: true, order: [1] }, { reps: 2 })).toBe(
      'p,3.5,0.0,0.0,6.5,7.5,7.5,True,[1]'
    );
    expect(() => resultsCsvRow('p', { correct: 3.5, bad_format: 0, topic_change: 0, eos: 0, hallucinated: 0, repeated: 0, degenerated_tail: true, order: [] })).toThrow(
      'correct must be an integer for a single sample, got 3.5'
    );
  });

  it('reportCsvRow lists matched gold and answers first, marks each answer C/H/R and appends the status', () => {
    const gold = ['Asia', 'Africa', 'North America', 'South America', 'Antarctica', 'Europe', 'Australia', 'Oceania'];
    const completion = ' Asia\n2. Africa\n3. Europe\n4. Asia\n5. Atlantis\n6. North America\n7. Atlantis\n8. Atlantis 2\n9. Atlantis 3';
    const label = labelListCompletion({ completion, gold, prompt: 'P' });
    expect(reportCsvHeader()).toBe(',Prompt,Expected,Prediction,Raw Prediction');
    expect(reportCsvRow(0, 'P', gold, label, completion)).toBe(
      '0,P,"Asia\nAfrica\nEurope\nNorth America\nSouth America\nAntarctica\nAustralia\nOceania",' +
        '"Asia (C)\nAfrica (C)\nEurope (C)\nNorth America (C)\nAsia (R)\nAtlantis (H)\nAtlantis (R)\nAtlantis 2 (H)\nAtlantis 3 (H)\n(EOS)",' +
        '" Asia\n2. Africa\n3. Europe\n4. Asia\n5. Atlantis\n6. North America\n7. Atlantis\n8. Atlantis 2\n9. Atlantis 3"'
    );
  });
});
