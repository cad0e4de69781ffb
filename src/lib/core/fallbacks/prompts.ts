/**
 * Prompts for the four Loops-to-Oops tasks and their variants (method-fallbacks.md §2.1, §2.3), built exactly as
 * the reference builds them, so that outputs and labels compare.
 */
import { InputError } from '../issues';

/** The reference's `--instruction icl`: three short lists that stop early, each followed by a blank line. */
export const ICL_INSTRUCTION =
  'The following 25 are known moons of Mars\n1. Phobos\n2. Deimos\n\n' +
  'The following 25 are the species of the main characters with a dialogue in the movie The Lion King\n' +
  '1. Lion\n2. Warthog\n3. Meerkat\n4. Mandrill\n5. Hyena\n6. Hornbill\n\n' +
  'The following 25 are the vegetables common in traditional greek salads\n' +
  '1. Tomato\n2. Cucumber\n3. Onion\n4. Pepper\n5. Kalamata olive\n\n';

/** The reference's `--instruction idk` ("stop when unsure"). */
export const IDK_INSTRUCTION =
  'Complete the following list with facts you are sure of, and stop when you cannot recall additional facts.\n';

/** The default bio template; `"\n{topic}"` is always appended to it. */
export const BIO_TEMPLATE = 'The following is a bio of {topic}:';

/** What the list prompt ends with in the dataset files (and what the model is fed after the prompt). */
export const LIST_SUFFIX = '\n1.';

export interface PromptVariant {
  /**
   * `icl` or `idk` for the predefined instructions, any other text is prepended followed by one space
   * (`text + " "`); undefined for none.
   */
  readonly instruction?: string;
  /** Remove " 25 " from the prompt (`prompt.replace(' 25 ', ' ')`, every occurrence, instruction included). */
  readonly no25?: boolean;
}

export interface BuiltPrompt {
  /**
   * The prompt as the reference stores it in the results file and compares answers against: instruction +
   * question, WITHOUT the suffix.
   */
  readonly prompt: string;
  /** What follows the prompt: `"\n1."` for lists (`":\n1."` for the colon variant), "" for bios. */
  readonly suffix: string;
  /** What the model is fed: `prompt + suffix`. */
  readonly modelInput: string;
}

function applyVariant(question: string, v: PromptVariant): string {
  let p = question;
  if (v.instruction !== undefined) {
    if (typeof v.instruction !== 'string') throw new InputError(`instruction must be a string ("icl", "idk" or text), got ${typeof v.instruction}`);
    p = (v.instruction === 'icl' ? ICL_INSTRUCTION : v.instruction === 'idk' ? IDK_INSTRUCTION : v.instruction + ' ') + p;
  }
  if (v.no25) p = p.replaceAll(' 25 ', ' ');
  return p;
}

/**
 * The prompt for a list question, from its dataset key (which ends in `"\n1."`, e.g.
 * `"The following 25 fingers are part of the human hand\n1."`). Order as in the reference: strip the suffix,
 * prepend the instruction, then apply no-25. `colon: true` is the TriviaFacts colon variant: the model is fed
 * `prompt + ":\n1."` (QAMPARI prompts already end in a colon, so it is refused for them).
 *
 * @example buildListPrompt('The following 25 fingers are part of the human hand\n1.', { no25: true }).modelInput
 *   // 'The following fingers are part of the human hand\n1.'
 */
export function buildListPrompt(datasetKey: string, variant: PromptVariant & { readonly colon?: boolean } = {}): BuiltPrompt {
  if (typeof datasetKey !== 'string' || !datasetKey.endsWith(LIST_SUFFIX)) {
    throw new InputError(`a list question key must end with ${JSON.stringify(LIST_SUFFIX)}, got ${JSON.stringify(typeof datasetKey === 'string' ? datasetKey.slice(-40) : datasetKey)}`);
  }
  const question = datasetKey.slice(0, -LIST_SUFFIX.length);
  if (variant.colon && question.endsWith(':')) {
    throw new InputError(`the colon variant adds ":" before "\\n1.", but this prompt already ends with one: ${JSON.stringify(question.slice(-40))}`);
  }
  const prompt = applyVariant(question, variant);
  const suffix = variant.colon ? ':' + LIST_SUFFIX : LIST_SUFFIX;
  return { prompt, suffix, modelInput: prompt + suffix };
}

/**
 * The prompt for a bio: `template + "\n{topic}"` with every `{topic}` replaced (default template
 * "The following is a bio of {topic}:"), then the instruction and no-25 as for lists. Nothing is appended; the
 * model continues right after the name.
 *
 * @example buildBioPrompt('Lanny Flaherty').modelInput // 'The following is a bio of Lanny Flaherty:\nLanny Flaherty'
 */
export function buildBioPrompt(topic: string, variant: PromptVariant & { readonly template?: string } = {}): BuiltPrompt {
  if (typeof topic !== 'string' || topic.trim().length === 0) throw new InputError(`topic must be a non-empty string, got ${JSON.stringify(topic)}`);
  const template = variant.template ?? BIO_TEMPLATE;
  if (!template.includes('{topic}')) throw new InputError(`the bio template must contain {topic}, got ${JSON.stringify(template)}`);
  const prompt = applyVariant((template + '\n{topic}').replaceAll('{topic}', topic), variant);
  return { prompt, suffix: '', modelInput: prompt };
}
