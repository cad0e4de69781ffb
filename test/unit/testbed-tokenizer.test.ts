import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectFollowup } from '../../src/lib/core/prompts/selectFollowup';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const ref = JSON.parse(readFileSync(join(root, 'testbed/reference.json'), 'utf8')) as {
  sequences: { messages: { role: 'system' | 'user' | 'assistant'; content: string }[]; add_generation_prompt: boolean; text: string; ids: number[] }[];
  followups: Record<string, string[]>;
};

// The progressive schedule the app sends (its own text is checked against method-spikescore.md §2.3 in
// prompts-dialogue.test.ts): steps 1–16, after which the last reflective prompt repeats.
const PROGRESSIVE = Array.from({ length: 16 }, (_, i) => selectFollowup('progressive', i + 1).text);
const SYSTEM = 'You are a helpful AI assistant. Answer questions accurately based on any provided context.';

type Tok = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
let tok: Tok;

beforeAll(async () => {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = root + '/';
  tok = await AutoTokenizer.from_pretrained('testbed');
});

const encode = (text: string): number[] => tok.encode(text, { add_special_tokens: false });

describe('testbed tokenizer', () => {
  it('AutoTokenizer.from_pretrained(testbed folder) loads the WordPiece vocabulary and its special tokens', () => {
    expect(tok.get_vocab().size).toBe(607);
    expect(tok.convert_tokens_to_ids(['[PAD]', '[UNK]', '<|bos|>', '<|system|>', '<|user|>', '<|assistant|>', '<|end|>'])).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(tok.eos_token_id).toBe(6);
    expect(tok.bos_token_id).toBe(2);
  });

  it('encode(every follow-up prompt, the system prompt and the question prefix) gives no unknown token', () => {
    expect(Object.values(ref.followups).flat()).toEqual(expect.arrayContaining(PROGRESSIVE));
    const texts = [...Object.values(ref.followups).flat(), SYSTEM, 'Question: What is the capital of Velora?', `System: ${SYSTEM}\n\nUser: Question: What is the capital of Velora?\n\nAssistant: `];
    expect(texts.length).toBe(38);
    for (const t of texts) expect(encode(t), t).not.toContain(1);
    expect(encode('Great! Continue.').length).toBe(4);
  });

  it('apply_chat_template(messages) renders and tokenizes the reference sequences exactly as the training code did', () => {
    expect(ref.sequences.length).toBe(3);
    for (const s of ref.sequences) {
      const text = tok.apply_chat_template(s.messages, { tokenize: false, add_generation_prompt: s.add_generation_prompt }) as string;
      expect(text).toBe(s.text);
      expect(encode(text)).toEqual(s.ids);
    }
    const long = ref.sequences[2];
    expect(long.messages.length).toBe(43); // system, question, answer, and 20 follow-ups with their replies
    expect(long.messages.slice(3).filter((m) => m.role === 'user').map((m) => m.content)).toEqual([...PROGRESSIVE, ...Array(4).fill(PROGRESSIVE[15])]);
    expect(long.ids.length).toBeLessThan(1024);
  });

  it('apply_chat_template with the generation prompt ends with the assistant token and starts with <|bos|>', () => {
    const ids = tok.apply_chat_template([{ role: 'user', content: 'Question: What is the capital of Velora?' }], {
      add_generation_prompt: true,
      return_tensor: false,
      return_dict: false
    }) as unknown as number[];
    expect(ids[0]).toBe(2);
    expect(ids[1]).toBe(4);
    expect(ids.at(-1)).toBe(5);
    expect(() => tok.apply_chat_template([{ role: 'tool', content: 'x' }], { tokenize: false })).toThrow('Only system, user and assistant roles are supported.');
  });

  it('decode(answer ids, skip special) gives the answer text, which encodes back to the same ids', () => {
    for (const text of ['The capital of Velora is Thorpwick.', 'I was wrong. The capital of Velora is Ashford, not Thorpwick.', 'Velora was founded in 1742.']) {
      const ids = encode(text);
      expect(ids).not.toContain(1);
      expect(tok.decode([...ids, 6], { skip_special_tokens: true })).toBe(text);
      expect(encode(tok.decode(ids, { skip_special_tokens: true }))).toEqual(ids);
    }
    expect(tok.tokenize('Thorpwick 1742 Velora')).toEqual(['Thorp', '##wick', '17', '##42', 'Vel', '##ora']);
  });
});
