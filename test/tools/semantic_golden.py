#!/usr/bin/env python3
"""Golden values for the semantic-entropy and label code, from independent Python implementations.

Run:  python3 test/tools/semantic_golden.py > test/fixtures/semantic-golden.json

- SQuAD normalisation, exact match and token F1: the functions of the official SQuAD v2.0 evaluation script
  (`normalize_answer`, `get_tokens`, `compute_exact`, `compute_f1`), retyped here with the standard library.
- `get_semantic_ids` and `cluster_assignment_entropy` as in jlko/semantic_uncertainty, with the entailment model
  replaced by a table of verdicts (numpy for the entropy).
- `best_split` as in the SEP notebook (numpy), in float64 and without the plot.

Needs numpy. The inputs are drawn here with numpy's default_rng and written next to the outputs, so the
TypeScript test needs neither Python nor numpy.
"""
import collections
import json
import re
import string
import sys

import numpy as np


# --- SQuAD v2.0 official evaluation ---------------------------------------------------------------------------
def normalize_answer(s):
    def remove_articles(text):
        regex = re.compile(r'\b(a|an|the)\b', re.UNICODE)
        return re.sub(regex, ' ', text)

    def white_space_fix(text):
        return ' '.join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return ''.join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def get_tokens(s):
    if not s:
        return []
    return normalize_answer(s).split()


def compute_exact(a_gold, a_pred):
    return int(normalize_answer(a_gold) == normalize_answer(a_pred))


def compute_f1(a_gold, a_pred):
    gold_toks = get_tokens(a_gold)
    pred_toks = get_tokens(a_pred)
    common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
    num_same = sum(common.values())
    if len(gold_toks) == 0 or len(pred_toks) == 0:
        return int(gold_toks == pred_toks)
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(pred_toks)
    recall = 1.0 * num_same / len(gold_toks)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


SQUAD_CASES = [
    ("The Eiffel Tower", "eiffel tower"),
    ("the Eiffel tower in Paris", "Paris"),
    ("Paris.", "paris"),
    ("U.S.A.", "USA"),
    ("an apple a day", "apple day"),
    ("A", ""),
    ("", ""),
    ("", "Paris"),
    ("The the the", "the"),
    ("theatre", "the atre"),
    ("Answer: Barack Obama", "Obama"),
    ("don't stop", "dont stop"),
    ("New   York\tCity\n", "new york city"),
    ("áa b", "áa b"),
    ("éa a b", "éa b"),
    ("l'an", "lan"),
    ("“Quoted” text", "quoted text"),
    ("42", "forty-two"),
    ("1,000,000", "1000000"),
    ("cat cat dog", "cat dog dog"),
    ("Ünïcödé Straße", "ünïcödé straße"),
    ("a_b an_c", "a b"),
    ("Mr. Smith went to Washington", "Smith"),
    ("the cat sat on the mat", "a cat sat on a mat"),
    ("x\u3000y\u00a0z", "x y z"),
    ("An A an", ""),
]


# --- jlko/semantic_uncertainty: clustering and entropy --------------------------------------------------------
def get_semantic_ids(n, verdict, strict_entailment):
    """`verdict[i][j]` is check_implication(text_i, text_j); texts are all distinct here."""

    def are_equivalent(i, j):
        implication_1 = verdict[i][j]
        implication_2 = verdict[j][i]
        if strict_entailment:
            return (implication_1 == 2) and (implication_2 == 2)
        implications = [implication_1, implication_2]
        return (0 not in implications) and ([1, 1] != implications)

    semantic_set_ids = [-1] * n
    next_id = 0
    for i in range(n):
        if semantic_set_ids[i] == -1:
            semantic_set_ids[i] = next_id
            for j in range(i + 1, n):
                if are_equivalent(i, j):
                    semantic_set_ids[j] = next_id
            next_id += 1
    return semantic_set_ids


def cluster_assignment_entropy(semantic_ids):
    n_generations = len(semantic_ids)
    counts = np.bincount(semantic_ids)
    probabilities = counts / n_generations
    # bincount leaves zero counts for missing ids; 0·log 0 is nan in numpy, so drop them (the reference only ever
    # sees contiguous ids from get_semantic_ids).
    probabilities = probabilities[probabilities > 0]
    return float(-(probabilities * np.log(probabilities)).sum())


# --- SEP notebook: best split ----------------------------------------------------------------------------------
def best_split(ents):
    splits = np.linspace(1e-10, ents.max(), 100)
    split_mses = []
    for split in splits:
        low_idxs, high_idxs = ents < split, ents >= split
        low = ents[low_idxs]
        high = ents[high_idxs]
        low_mean = np.mean(low) if low.size else 0.0
        high_mean = np.mean(high) if high.size else 0.0
        mse = np.sum((low - low_mean) ** 2) + np.sum((high - high_mean) ** 2)
        split_mses.append(mse)
    split_mses = np.array(split_mses)
    k = int(np.argmin(split_mses))
    return {"threshold": float(splits[k]), "index": k, "error": float(split_mses[k]),
            "candidates": [float(x) for x in splits]}


# --- Prompt texts, built with the reference's own string code ----------------------------------------------------
def equivalence_prompt(text1, text2, question):
    # EntailmentGPT4.equivalence_prompt (jlko/semantic_uncertainty)
    prompt = f"""We are evaluating answers to the question \"{question}\"\n"""
    prompt += "Here are two possible answers:\n"
    prompt += f"Possible Answer 1: {text1}\nPossible Answer 2: {text2}\n"
    prompt += "Does Possible Answer 1 semantically entail Possible Answer 2? Respond with entailment, contradiction, or neutral."""
    return prompt


def metric_prompt(question, correct_answers, predicted_answer):
    # model_based_metric (jlko/semantic_uncertainty), up to the model call
    prompt = f'We are assessing the quality of answers to the following question: {question}\n'
    if len(correct_answers) == 1:
        prompt += f"The expected answer is: {correct_answers[0]}.\n"
    else:
        prompt += f"The following are expected answers to this question: {correct_answers}.\n"
    prompt += f"The proposed answer is: {predicted_answer}\n"
    if len(correct_answers) == 1:
        prompt += "Within the context of the question, does the proposed answer mean the same as the expected answer?"
    else:
        prompt += "Within the context of the question, does the proposed answer mean the same as any of the expected answers?"
    prompt += " Respond only with yes or no.\nResponse:"
    return prompt


def judge_messages(model_answer, reference_answer, question):
    # utils.judge_answer (TianYaDY/SpikeScore), called with the intended argument order
    system_msg = {
        "role": "system",
        "content": (
            "You are an impartial evaluator. "
            "Given a question, a reference answer, and a model answer, judge if the model answer is semantically equivalent to the reference answer in the context of the question. "
            "Reply ONLY with '1' (correct) or '0' (incorrect). No explanation."
        )
    }
    examples = [
        {"role": "user", "content": (
            "Question: What is the capital of France?\n"
            "Reference answer: The capital of France is Paris.\n"
            "Model answer: Paris is the capital of France.\n"
            "Your reply:")},
        {"role": "assistant", "content": "1"},
        {"role": "user", "content": (
            "Question: What is the chemical formula for water?\n"
            "Reference answer: The chemical formula for water is H2O.\n"
            "Model answer: Water is composed of two hydrogen atoms and one oxygen atom.\n"
            "Your reply:")},
        {"role": "assistant", "content": "1"},
        {"role": "user", "content": (
            "Question: Which is the largest planet in the solar system?\n"
            "Reference answer: The largest planet in the solar system is Jupiter.\n"
            "Model answer: Saturn is the biggest planet in our solar system.\n"
            "Your reply:")},
        {"role": "assistant", "content": "0"},
        {"role": "user", "content": (
            "Question: How do plants make food?\n"
            "Reference answer: The process by which plants make food is called photosynthesis.\n"
            "Model answer: Plants produce food through respiration.\n"
            "Your reply:")},
        {"role": "assistant", "content": "0"},
    ]
    query = {"role": "user", "content": (
        f"Question: {question}\n"
        f"Reference answer: {reference_answer}\n"
        f"Model answer: {model_answer}\n"
        "Your reply:")}
    return [system_msg] + examples + [query]


PROMPT_CASES = [
    ("What is the capital of France?", ["Paris"], "It is Paris."),
    ("Who wrote \"Hamlet\"?", ["William Shakespeare", "Shakespeare"], "Shakespeare"),
    ("Which word?", ["it's", 'say "hi"', "both ' and \"", "back\\slash", "tab\tnew\nline", "nbsp\u00a0x", "é ü 中文", "zw\u200bsp"], "none"),
]


def main():
    rng = np.random.default_rng(20260115)
    out = {"generator": "test/tools/semantic_golden.py", "numpy": np.__version__}

    out["squad"] = [
        {"prediction": p, "gold": g, "normalized_prediction": normalize_answer(p), "normalized_gold": normalize_answer(g),
         "exact": compute_exact(g, p), "f1": float(compute_f1(g, p))}
        for p, g in SQUAD_CASES
    ]

    clustering = []
    for case in range(40):
        n = int(rng.integers(1, 11))
        # Verdict tables with few distinct outcomes so that clusters actually form, including non-transitive ones.
        probs = [[0.1, 0.2, 0.7], [0.2, 0.3, 0.5], [0.34, 0.33, 0.33]][case % 3]
        verdict = rng.choice(3, size=(n, n), p=probs).tolist()
        for strict in (True, False):
            ids = get_semantic_ids(n, verdict, strict)
            clustering.append({"n": n, "verdict": verdict, "strict": strict, "ids": ids,
                               "entropy": cluster_assignment_entropy(ids)})
    out["clustering"] = clustering

    out["entropy"] = [{"ids": ids, "entropy": cluster_assignment_entropy(ids)} for ids in [
        [0] * 10, list(range(10)), [0, 1, 2, 1], [0, 0, 1, 1, 2, 2, 3, 3, 4, 4], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        [3, 3, 7], [0], [0, 1]]]

    splits = []
    arrays = [
        [0.0, 0.0, 0.0, 1.0986122886681098, 1.0986122886681098],
        [0.0] * 6,
        [0.5],
        [0.0, 0.6931471805599453, 1.0397207708399179, 1.6094379124341003, 2.302585092994046],
        [1.99, 1.99, 1.99, 2.0],
    ]
    for _ in range(12):
        # SE values as they occur: entropies of random cluster partitions of 10 samples.
        m = int(rng.integers(5, 300))
        ses = []
        for _ in range(m):
            k = int(rng.integers(1, 11))
            ids = rng.integers(0, k, size=10)
            _, counts = np.unique(ids, return_counts=True)
            p = counts / 10
            ses.append(float(-(p * np.log(p)).sum()) + 0.0)
        arrays.append(ses)
    for _ in range(6):
        arrays.append([float(x) for x in rng.gamma(2.0, 0.4, size=int(rng.integers(2, 500)))])
    for a in arrays:
        splits.append({"se": a, **best_split(np.array(a, dtype=np.float64))})
    out["best_split"] = splits

    out["prompts"] = [
        {"question": q, "golds": golds, "answer": a,
         "entailment": equivalence_prompt(golds[0], a, q),
         "correctness": metric_prompt(q, golds, a),
         "dialogue": judge_messages(a, golds[0], q)}
        for q, golds, a in PROMPT_CASES
    ]

    json.dump(out, sys.stdout, indent=None, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
