/**
 * The follow-up prompt library of the seed's `strategy_library.py` (method-spikescore.md §2.3): eight families of
 * user messages, each with an intensity from 1 to 5, in the seed's order. The texts are exact; tests assert them.
 */

export const FOLLOWUP_FAMILIES = ['encouragement', 'analytical', 'step_by_step', 'exploratory', 'technical', 'critical', 'creative', 'reflective'] as const;
export type FollowupFamily = (typeof FOLLOWUP_FAMILIES)[number];

export interface FollowupPrompt {
  readonly text: string;
  readonly family: FollowupFamily;
  /** 1 (gentle) … 5 (intense). */
  readonly intensity: number;
}

const p = (family: FollowupFamily, list: readonly (readonly [string, number])[]): readonly FollowupPrompt[] =>
  list.map(([text, intensity]) => ({ text, family, intensity }));

export const FOLLOWUPS: Readonly<Record<FollowupFamily, readonly FollowupPrompt[]>> = {
  encouragement: p('encouragement', [
    ['Great! Continue.', 1],
    ['Excellent! Please continue with more details.', 2],
    ['Perfect! Keep going with your analysis.', 2],
    ["That's a good start! Now, let's dive deeper into the specifics. What else can you tell me about this?", 3],
    ["Wonderful analysis so far! I'm impressed by your reasoning. Can you expand on these points with more concrete examples?", 4],
    ['Outstanding work! Your explanation is becoming clearer. Please continue developing these ideas with additional evidence or reasoning.', 4],
    ["Your analysis demonstrates exceptional understanding! The depth and clarity of your reasoning is truly impressive. Now, I'd like you to push even further - explore the nuances, edge cases, and broader implications.", 5]
  ]),
  analytical: p('analytical', [
    ["Now let's analyze this systematically. Break it down further.", 2],
    ["Interesting perspective. Let's examine each component more carefully. What are the underlying principles at work here?", 3],
    ["Let's dissect this problem methodically. Identify the key variables, their interactions, and the governing principles.", 4],
    ["Your analysis is progressing well. Now, let's apply more rigorous analytical frameworks. Consider the causal relationships, dependencies, and potential edge cases in your reasoning.", 5]
  ]),
  step_by_step: p('step_by_step', [
    ["Good. What's the next step?", 1],
    ['Please continue with step-by-step reasoning.', 2],
    ["Excellent progress. Now, let's move to the next logical step in this process. What comes after what you just described?", 3],
    ["Very systematic approach! You've covered the initial steps beautifully. Now, let's continue with the subsequent steps, maintaining the same level of detail and clarity.", 4]
  ]),
  exploratory: p('exploratory', [
    ['Interesting! What other angles should we consider?', 2],
    ["That opens up new possibilities! Let's explore alternative perspectives or unconventional approaches to this problem.", 3],
    ["Let's think beyond the obvious. What hidden connections or non-intuitive insights might we discover?", 4],
    ["Fascinating direction! Now let's venture into unexplored territory. What if we challenged our initial assumptions? What alternative frameworks or paradigms could we apply here?", 5]
  ]),
  technical: p('technical', [
    ['Now provide the technical specifications.', 2],
    ["Excellent! Now let's get into the technical details. Include specific parameters, formulas, or implementation details.", 3],
    ['Provide precise technical measurements, calculations, and specifications. Be as quantitative as possible.', 4],
    ['Impressive technical foundation! Now, delve into the advanced technical aspects. Include mathematical proofs, algorithmic complexity analysis, or system architecture details as relevant.', 5]
  ]),
  critical: p('critical', [
    ['What are the potential flaws in this reasoning?', 2],
    ["Play devil's advocate. What would a skeptic say about this analysis?", 3],
    ["Let's apply critical thinking here. What assumptions are we making? What could go wrong? What are the counterarguments?", 4],
    ['Time for rigorous critical analysis. Identify potential logical fallacies, hidden biases, unstated assumptions, and edge cases. Challenge every aspect of the reasoning.', 5]
  ]),
  creative: p('creative', [
    ['Be more creative with your approach!', 2],
    ["Wonderful! Now let's think outside the box. What innovative or unconventional solutions can you propose?", 3],
    ['What if we approached this from a completely different angle? Think metaphorically, analogically, or even poetically.', 4],
    ['Push the boundaries! Imagine revolutionary approaches, combine disparate concepts, or invent entirely new frameworks. Let your imagination run wild while maintaining logical coherence.', 5]
  ]),
  reflective: p('reflective', [
    ["Reflect on what you've said so far.", 1],
    ['Take a moment to reflect. How does everything connect? What patterns do you notice in your reasoning?', 2],
    ["Let's pause and examine the journey of your reasoning. What key insights have emerged? What remains unclear?", 3],
    ['Step back and reflect deeply. What meta-insights emerge from your analysis? How has your understanding evolved? What would you reconsider or emphasize differently?', 4]
  ])
};

/** Every prompt, family by family in the seed's order (the pool of the `random` mode). */
export const ALL_FOLLOWUPS: readonly FollowupPrompt[] = FOLLOWUP_FAMILIES.flatMap((f) => FOLLOWUPS[f]);
