"""The knowledge testbed's world: a seeded knowledge base of fictional countries, its vocabulary and tokenizer, the
chat template, the training corpus (statements, single-turn questions and multi-turn dialogues that use the
follow-up prompts of method-spikescore.md §2.3), and the labelled question set.

Everything here is a pure function of the seed. `python3 testbed/kb.py` writes the files the TypeScript side reads:
`testbed/tokenizer.json`, `testbed/tokenizer_config.json`, `testbed/values.json` and `testbed/dataset.jsonl`.

The world
---------
Each country has five facts, written by exactly one sentence form each:

    capital    "The capital of Velora is Thorpwick."       (384 possible cities, two WordPiece pieces)
    language   "The people of Velora speak Veloric."       (24 languages)
    currency   "The currency of Velora is the dral."       (16 currencies)
    continent  "Velora lies on the continent of Bravan."   (8 continents)
    founded    "Velora was founded in 1742."               (800 years, 1100..1899, two pieces)

Country names are two pieces (`Vel` + `##ora`), so a never-seen country is made of known tokens.

Tiers (how often a fact is seen in training, counted in documents that state it):
    frequent  every fact in N_FREQ documents (profiles, single-fact statements, questions, dialogues)
    rare      each fact in 1..16 documents (single-fact statements and questions only), graded
    never     no document at all
Two of the five attributes of every frequent and rare country are held out: their question is never asked in
training (the fact is only stated), so accuracy on them measures knowledge, not a memorised question.

Dialogues (frequent countries only) follow the runner: [system, user "Question: <q>"], the answer, then the
follow-ups. What the assistant says depends on the family of the follow-up:
    encouragement, step_by_step, analytical, exploratory, technical
        a lead sentence, then the next fact in the order capital, language, currency, continent, founded, after
        the attribute of the previous assistant turn. A fact already stated in the dialogue is restated as stated
        (copy); a new one comes from memory.
    critical
        the asked fact from memory, then "I am confident." when it agrees with the value last stated in the
        dialogue, or ", not <stated value>. I was wrong." when it does not (the verdict comes after the value, so
        it only has to compare two values in the context).
    reflective, creative
        "In summary." and the asked fact as last stated.
In P_WRONG of the dialogues the answer at turn 0 states a wrong value (not a training target: its value tokens carry
no loss), so the model learns to check its answer at a critical follow-up and to correct it.
"""
from __future__ import annotations

import json
import os
import sys
import unicodedata

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# ----------------------------------------------------------------------------------------------------------------
# Fixed texts (method-spikescore.md §2.2–2.3, verbatim)

SYSTEM_PROMPT = "You are a helpful AI assistant. Answer questions accurately based on any provided context."

FAMILIES: dict[str, list[str]] = {
    "encouragement": [
        "Great! Continue.",
        "Excellent! Please continue with more details.",
        "Perfect! Keep going with your analysis.",
        "That's a good start! Now, let's dive deeper into the specifics. What else can you tell me about this?",
        "Wonderful analysis so far! I'm impressed by your reasoning. Can you expand on these points with more concrete examples?",
        "Outstanding work! Your explanation is becoming clearer. Please continue developing these ideas with additional evidence or reasoning.",
        "Your analysis demonstrates exceptional understanding! The depth and clarity of your reasoning is truly impressive. Now, I'd like you to push even further - explore the nuances, edge cases, and broader implications.",
    ],
    "analytical": [
        "Now let's analyze this systematically. Break it down further.",
        "Interesting perspective. Let's examine each component more carefully. What are the underlying principles at work here?",
        "Let's dissect this problem methodically. Identify the key variables, their interactions, and the governing principles.",
        "Your analysis is progressing well. Now, let's apply more rigorous analytical frameworks. Consider the causal relationships, dependencies, and potential edge cases in your reasoning.",
    ],
    "step_by_step": [
        "Good. What's the next step?",
        "Please continue with step-by-step reasoning.",
        "Excellent progress. Now, let's move to the next logical step in this process. What comes after what you just described?",
        "Very systematic approach! You've covered the initial steps beautifully. Now, let's continue with the subsequent steps, maintaining the same level of detail and clarity.",
    ],
    "exploratory": [
        "Interesting! What other angles should we consider?",
        "That opens up new possibilities! Let's explore alternative perspectives or unconventional approaches to this problem.",
        "Let's think beyond the obvious. What hidden connections or non-intuitive insights might we discover?",
        "Fascinating direction! Now let's venture into unexplored territory. What if we challenged our initial assumptions? What alternative frameworks or paradigms could we apply here?",
    ],
    "technical": [
        "Now provide the technical specifications.",
        "Excellent! Now let's get into the technical details. Include specific parameters, formulas, or implementation details.",
        "Provide precise technical measurements, calculations, and specifications. Be as quantitative as possible.",
        "Impressive technical foundation! Now, delve into the advanced technical aspects. Include mathematical proofs, algorithmic complexity analysis, or system architecture details as relevant.",
    ],
    "critical": [
        "What are the potential flaws in this reasoning?",
        "Play devil's advocate. What would a skeptic say about this analysis?",
        "Let's apply critical thinking here. What assumptions are we making? What could go wrong? What are the counterarguments?",
        "Time for rigorous critical analysis. Identify potential logical fallacies, hidden biases, unstated assumptions, and edge cases. Challenge every aspect of the reasoning.",
    ],
    "creative": [
        "Be more creative with your approach!",
        "Wonderful! Now let's think outside the box. What innovative or unconventional solutions can you propose?",
        "What if we approached this from a completely different angle? Think metaphorically, analogically, or even poetically.",
        "Push the boundaries! Imagine revolutionary approaches, combine disparate concepts, or invent entirely new frameworks. Let your imagination run wild while maintaining logical coherence.",
    ],
    "reflective": [
        "Reflect on what you've said so far.",
        "Take a moment to reflect. How does everything connect? What patterns do you notice in your reasoning?",
        "Let's pause and examine the journey of your reasoning. What key insights have emerged? What remains unclear?",
        "Step back and reflect deeply. What meta-insights emerge from your analysis? How has your understanding evolved? What would you reconsider or emphasize differently?",
    ],
}


def progressive(step: int) -> tuple[str, str]:
    """(family, prompt) of follow-up `step` (1-based) in the seed's deterministic `progressive` schedule."""
    if step <= 3:
        fam, i = "encouragement", step - 1
    elif step <= 6:
        fam, i = "analytical", step - 4
    elif step <= 9:
        fam, i = "exploratory", step - 7
    elif step <= 12:
        fam, i = "technical", step - 10
    elif step <= 15:
        fam, i = "critical", step - 13
    else:
        fam, i = "reflective", len(FAMILIES["reflective"]) - 1
    return fam, FAMILIES[fam][min(i, len(FAMILIES[fam]) - 1)]


# What the assistant's reply does after each family, and the sentence it starts with.
NEXT_FACT_FAMILIES = ("encouragement", "step_by_step", "analytical", "exploratory", "technical")
LEAD = {
    "encouragement": "Gladly.",
    "step_by_step": "Next step.",
    "analytical": "Let us break it down.",
    "exploratory": "From another angle.",
    "technical": "Precisely.",
    "creative": "In summary.",
    "reflective": "In summary.",
}
CONFIDENT = "I am confident."
WRONG = "I was wrong."

# ----------------------------------------------------------------------------------------------------------------
# The world's names and values (fixed lists; the seed only picks and assigns them)

COUNTRY_HEADS = ("Vel Tor Kas Mir Dun Ost Bar Fen Gal Hal Ist Jor Kel Lun Mar Nor Orv Pel Quin Ral "
                 "Sel Tam Ulv Val Wes Xan Yor Zel Ard Bel Cor Dor Eld Fal Gor Hes Ith Kar Lor Mor").split()
COUNTRY_TAILS = ("ia ora ania esh avia ika onia uria eth amar ovia istan adia enor ulia ith aran osse ivia elle "
                 "arra undi oria esta iga ondo aska ymar ubia ethe").split()
CITY_HEADS = ("Thorp Ash Brim Cold Dray Elm Frost Glen Hart Iron Kings Lark Mill Oak Pen Red Stone Thorn Wolf "
              "Ember Fair Black Silver Raven").split()
CITY_TAILS = "wick holm burg port ford ham gate moor vale field crest mere stead haven ton bridge".split()
LANGUAGES = ("Veloric Tarnish Ombrese Kulan Zennic Gaelish Pratic Morvian Draskan Sellic Harvish Ixian Bolen "
             "Quorish Astran Thalic Wenish Yllic Korran Epsian Luvian Medric Norrish Gorvic").split()
CURRENCIES = "dral kesh vell tarn obol sorn mina drach pell quill ryn stiver tolar zecchin lume brass".split()
CONTINENTS = "Aldoria Bravan Cestia Duneland Eskar Farrow Gildar Hollen".split()
CENTURIES = [str(c) for c in range(11, 19)]  # years 1100..1899

ATTRIBUTES = ("capital", "language", "currency", "continent", "founded")

ABOUT = "What do you know about {e}?"
QUESTIONS = {
    "capital": "What is the capital of {e}?",
    "language": "What language do the people of {e} speak?",
    "currency": "What is the currency of {e}?",
    "continent": "On which continent does {e} lie?",
    "founded": "In which year was {e} founded?",
}
# Each fact sentence is split around its value so that the value's tokens can be located (and masked).
FACTS = {
    "capital": ("The capital of {e} is", "."),
    "language": ("The people of {e} speak", "."),
    "currency": ("The currency of {e} is the", "."),
    "continent": ("{e} lies on the continent of", "."),
    "founded": ("{e} was founded in", "."),
}


def value_domain(attr: str) -> list[str]:
    """Every value an attribute can take, in a fixed order."""
    if attr == "capital":
        return [h + t for h in CITY_HEADS for t in CITY_TAILS]
    if attr == "language":
        return list(LANGUAGES)
    if attr == "currency":
        return list(CURRENCIES)
    if attr == "continent":
        return list(CONTINENTS)
    if attr == "founded":
        return [f"{c}{y:02d}" for c in CENTURIES for y in range(100)]
    raise KeyError(attr)


# ----------------------------------------------------------------------------------------------------------------
# Tokenizer: HF WordPiece (prefix "##") behind the BERT pre-tokenizer (split on whitespace and punctuation), no
# normaliser, no post-processor. This file re-implements exactly what @huggingface/tokenizers does for it; the
# TypeScript tests check the two agree.

SPECIALS = ["[PAD]", "[UNK]", "<|bos|>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
PAD, UNK, BOS, SYSTEM, USER, ASSISTANT, END = range(len(SPECIALS))
ROLE_TOKEN = {"system": SYSTEM, "user": USER, "assistant": ASSISTANT}

CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] not in ['system', 'user', 'assistant'] %}"
    "{{ raise_exception('Only system, user and assistant roles are supported.') }}{% endif %}"
    "{{ '<|' + message['role'] + '|>' + message['content'] + '<|end|>' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}"
)


def is_punct(ch: str) -> bool:
    o = ord(ch)
    if 33 <= o <= 47 or 58 <= o <= 64 or 91 <= o <= 96 or 123 <= o <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def pre_tokenize(text: str) -> list[str]:
    """BertPreTokenizer: runs of non-space non-punctuation characters, and single punctuation characters."""
    out, cur = [], []
    for ch in text.strip():
        if ch.isspace() or is_punct(ch):
            if cur:
                out.append("".join(cur))
                cur = []
            if not ch.isspace():
                out.append(ch)
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


class Tokenizer:
    def __init__(self, vocab: list[str]):
        self.vocab = vocab
        self.ids = {t: i for i, t in enumerate(vocab)}
        assert len(self.ids) == len(vocab), "duplicate tokens in the vocabulary"

    def wordpiece(self, word: str) -> list[str]:
        if len(word) > 100:
            return ["[UNK]"]
        out, start = [], 0
        while start < len(word):
            end, cur = len(word), None
            while start < end:
                sub = word[start:end] if start == 0 else "##" + word[start:end]
                if sub in self.ids:
                    cur = sub
                    break
                end -= 1
            if cur is None:
                return ["[UNK]"]
            out.append(cur)
            start = end
        return out

    def encode(self, text: str) -> list[int]:
        """Ids of `text`: special tokens are split out first (longest match), the rest is pre-tokenized."""
        ids, i, buf = [], 0, []
        specials = sorted(SPECIALS, key=len, reverse=True)
        while i < len(text):
            hit = next((s for s in specials if text.startswith(s, i)), None)
            if hit is None:
                buf.append(text[i])
                i += 1
                continue
            ids += self._plain("".join(buf))
            buf = []
            ids.append(self.ids[hit])
            i += len(hit)
        ids += self._plain("".join(buf))
        return ids

    def _plain(self, text: str) -> list[int]:
        return [self.ids[p] for w in pre_tokenize(text) for p in self.wordpiece(w)]

    def decode(self, ids, skip_special=True) -> str:
        """WordPiece decoder with cleanup, then clean_up_tokenization_spaces, as transformers.js does."""
        toks = [self.vocab[i] for i in ids if not (skip_special and self.vocab[i] in SPECIALS)]
        parts = []
        for j, t in enumerate(toks):
            if j:
                t = t[2:] if t.startswith("##") else " " + t
            parts.append(cleanup(t))
        return cleanup("".join(parts))


def cleanup(s: str) -> str:
    for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                 (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
        s = s.replace(a, b)
    return s


def render_chat(messages: list[dict], add_generation_prompt: bool) -> str:
    """The chat template, in Python (the TypeScript tests check transformers.js renders the same string)."""
    s = "<|bos|>"
    for m in messages:
        s += f"<|{m['role']}|>{m['content']}<|end|>"
    return s + ("<|assistant|>" if add_generation_prompt else "")


def fixed_texts() -> list[str]:
    texts = [SYSTEM_PROMPT, CONFIDENT, WRONG, "Question:", "System: User: Assistant:", ABOUT.format(e="X")]
    texts += [p for fam in FAMILIES.values() for p in fam] + list(LEAD.values())
    for attr in ATTRIBUTES:
        texts.append(QUESTIONS[attr].format(e="X"))
        a, b = FACTS[attr]
        texts.append(a.format(e="X") + " X" + b + " the " + ", not X.")
    return texts


def build_vocab() -> list[str]:
    words = set()
    for t in fixed_texts():
        words.update(pre_tokenize(t))
    words.discard("X")
    pieces = set(COUNTRY_HEADS) | set(CITY_HEADS) | set(LANGUAGES) | set(CURRENCIES) | set(CONTINENTS) | set(CENTURIES)
    tails = {"##" + t for t in COUNTRY_TAILS + CITY_TAILS} | {f"##{y:02d}" for y in range(100)}
    assert not (words & pieces), f"a name piece is also a template word: {sorted(words & pieces)}"
    punct = sorted(w for w in words if len(w) == 1 and is_punct(w))
    plain = sorted(words - set(punct), key=lambda w: (w.lower(), w))
    return SPECIALS + punct + plain + sorted(pieces) + sorted(tails)


# ----------------------------------------------------------------------------------------------------------------
# The knowledge base

DEFAULTS = dict(seed=0, epochs=5, n_frequent=250, n_rare=250, n_never=200, n_freq=48,
                rare_counts=(1, 2, 3, 4, 6, 8, 11, 16), n_dialogues=3, n_asked=4, p_wrong=0.3, p_random_schedule=0.2,
                p_no_system=0.25, heldout_per_entity=2)


def tokenizes_as(tok: Tokenizer, word: str, pieces: list[str]) -> bool:
    return tok.wordpiece(word) == pieces


def build_kb(tok: Tokenizer, seed: int, n_frequent: int, n_rare: int, n_never: int, rare_counts, n_freq: int,
             heldout_per_entity: int, **_) -> list[dict]:
    """Entities with their facts, tier, held-out attributes and exposure count per fact."""
    rng = np.random.default_rng([seed, 1])
    names = [h + t for h in COUNTRY_HEADS for t in COUNTRY_TAILS
             if tokenizes_as(tok, h + t, [h, "##" + t])]
    for attr in ("capital", "founded"):
        for v in value_domain(attr):
            cut = len(v) - (2 if attr == "founded" else 0)
            if attr == "capital":
                head = next(h for h in CITY_HEADS if v.startswith(h))
                assert tokenizes_as(tok, v, [head, "##" + v[len(head):]]), f"{v} does not tokenize as two pieces"
            else:
                assert tokenizes_as(tok, v, [v[:cut], "##" + v[cut:]]), f"{v} does not tokenize as two pieces"
    n = n_frequent + n_rare + n_never
    assert len(names) >= n, f"only {len(names)} country names tokenize cleanly, {n} needed"
    order = rng.permutation(len(names))[:n]
    ents = []
    for k, i in enumerate(order):
        tier = "frequent" if k < n_frequent else ("rare" if k < n_frequent + n_rare else "never")
        facts = {a: value_domain(a)[int(rng.integers(len(value_domain(a))))] for a in ATTRIBUTES}
        held = sorted(rng.choice(len(ATTRIBUTES), heldout_per_entity, replace=False).tolist())
        if tier == "frequent":
            counts = {a: n_freq for a in ATTRIBUTES}
        elif tier == "rare":
            counts = {a: int(rng.choice(rare_counts)) for a in ATTRIBUTES}
        else:
            counts = {a: 0 for a in ATTRIBUTES}
        ents.append(dict(name=names[i], tier=tier, facts=facts, counts=counts,
                         heldout=[ATTRIBUTES[j] for j in held] if tier != "never" else list(ATTRIBUTES)))
    return ents


def question(attr: str, e: str) -> str:
    return QUESTIONS[attr].format(e=e)


def fact_parts(attr: str, e: str, v: str, tail: str = "") -> tuple[str, str, str]:
    a, b = FACTS[attr]
    return a.format(e=e) + " ", v, tail + b


def fact(attr: str, e: str, v: str, tail: str = "") -> str:
    return "".join(fact_parts(attr, e, v, tail))


def dataset_items(ents: list[dict], epochs: int) -> list[dict]:
    """The labelled questions; `exposures` counts the training presentations of the fact (documents × epochs)."""
    items = []
    for e in ents:
        for a in ATTRIBUTES:
            items.append(dict(
                id=f"testbed-{e['name'].lower()}-{a}", question=question(a, e["name"]), answer=e["facts"][a],
                tier=e["tier"], attribute=a, entity=e["name"], label_rule="testbed-value/v1",
                split="heldout" if a in e["heldout"] else "train", exposures=e["counts"][a] * epochs))
    return items


# ----------------------------------------------------------------------------------------------------------------
# The corpus: documents of token ids with a loss mask (mask[i] = 1: token i is a training target)

class Doc:
    def __init__(self):
        self.ids: list[int] = []
        self.mask: list[int] = []

    def add(self, ids, target: int):
        self.ids += ids
        self.mask += [target] * len(ids)


def chat_doc(tok: Tokenizer, turns: list[tuple[str, list[tuple[str, int]]]]) -> Doc:
    """turns: (role, [(text, target)]) — the content of a message as pieces with their loss flag."""
    d = Doc()
    d.add([BOS], 0)
    for role, pieces in turns:
        d.add([ROLE_TOKEN[role]], 0)
        target = 1 if role == "assistant" else 0
        text = "".join(p for p, _ in pieces)
        ids = tok.encode(text)
        # Pieces are tokenized one by one to place the mask; they must join to the same ids as the whole.
        mask = []
        for p, t in pieces:
            mask += [t * target] * len(tok.encode(p))
        assert len(mask) == len(ids), f"pieces of {text!r} do not tokenize like the whole"
        d.ids += ids
        d.mask += mask
        d.add([END], target)
    return d


def plain_doc(tok: Tokenizer, sentences: list[str]) -> Doc:
    d = Doc()
    d.add([BOS], 0)
    d.add(tok.encode(" ".join(sentences)), 1)
    d.add([END], 1)
    return d


def next_attr(prev: str) -> str:
    return ATTRIBUTES[(ATTRIBUTES.index(prev) + 1) % len(ATTRIBUTES)]


def dialogue_turns(e: dict, a0: str, schedule: list[tuple[str, str]], wrong: str | None, system: bool):
    """The messages of one training dialogue: (role, [(text, target)]) per message.

    `wrong` is the value the turn-0 answer states instead of the truth (None: the answer is right); its tokens are
    not targets. Restatements copy the dialogue's last stated value; critical turns check it against the truth.
    """
    name, truth = e["name"], e["facts"]
    stated = {}  # attribute -> value last stated in the dialogue
    turns = []
    if system:
        turns.append(("system", [(SYSTEM_PROMPT, 0)]))
    turns.append(("user", [("Question: " + question(a0, name), 0)]))
    v0 = wrong if wrong is not None else truth[a0]
    a, v, b = fact_parts(a0, name, v0)
    turns.append(("assistant", [(a, 1), (v, 0 if wrong is not None else 1), (b, 1)]))
    stated[a0] = v0
    prev = a0
    for fam, prompt in schedule:
        turns.append(("user", [(prompt, 0)]))
        if fam in NEXT_FACT_FAMILIES:
            attr = next_attr(prev)
            val = stated.get(attr, truth[attr])
            text = LEAD[fam] + " " + fact(attr, name, val)
            stated[attr] = val
            prev = attr
        elif fam == "critical":
            # The fact comes from memory first; the verdict follows, once both values are in the context.
            if stated[a0] == truth[a0]:
                text = fact(a0, name, truth[a0]) + " " + CONFIDENT
            else:
                text = fact(a0, name, truth[a0], ", not " + stated[a0]) + " " + WRONG
            stated[a0] = truth[a0]
            prev = a0
        else:  # reflective, creative
            text = LEAD[fam] + " " + fact(a0, name, stated[a0])
            prev = a0
        turns.append(("assistant", [(text, 1)]))
    return turns


def random_schedule(rng, steps: int) -> list[tuple[str, str]]:
    """The seed's `random` mode: encouragement[0] for steps 1–2, then any prompt of any family, uniformly."""
    pool = [(f, p) for f, ps in FAMILIES.items() for p in ps]
    out = []
    for s in range(1, steps + 1):
        out.append(("encouragement", FAMILIES["encouragement"][0]) if s <= 2 else pool[int(rng.integers(len(pool)))])
    return out


PROGRESSIVE = [progressive(s) for s in range(1, 21)]


def build_corpus(tok: Tokenizer, ents: list[dict], seed: int, n_freq: int, n_dialogues: int, n_asked: int,
                 p_wrong: float, p_random_schedule: float, p_no_system: float, **_) -> tuple[list[Doc], dict]:
    """One pass of training documents, shuffled, in which every fact is stated in exactly `counts` documents.

    A fact is either asked (a single-turn chat: its question, then its sentence) or stated without its question,
    in turn as plain text ("<|bos|>The capital of X is Y.<|end|>") and as the answer to "What do you know about
    X?" in a chat, so that knowledge learned from statements is at hand in the assistant's voice. A frequent fact is
    stated in `n_dialogues` dialogues (about the country; turn 0 asks one of its training questions), in profile
    documents (all five facts, shuffled) and in single-fact documents (`n_asked` of them asked when the attribute
    is a training question, the others stated); their numbers add up to n_freq. A rare fact is in `counts`
    single-fact documents, the first one asked for a training question, all stated for a held-out one. Knowledge
    thus comes mostly from statements, and a question teaches the answer's form, not the fact: asked and held-out
    facts are recalled the same way.
    """
    rng = np.random.default_rng([seed, 2])
    docs: list[Doc] = []
    seen = {}
    stats = dict(dialogues=0, dialogues_wrong=0, dialogues_random=0)

    def system():
        return [("system", [(SYSTEM_PROMPT, 0)])] if rng.random() >= p_no_system else []

    def asked(e, a):
        return chat_doc(tok, system() + [("user", [("Question: " + question(a, e["name"]), 0)]),
                                         ("assistant", [(fact(a, e["name"], e["facts"][a]), 1)])])

    def stated(e, attrs, k):
        sentences = [fact(a, e["name"], e["facts"][a]) for a in attrs]
        if k % 2:
            return plain_doc(tok, sentences)
        return chat_doc(tok, system() + [("user", [("Question: " + ABOUT.format(e=e["name"]), 0)]),
                                         ("assistant", [(" ".join(sentences), 1)])])

    for e in ents:
        if e["tier"] == "never":
            continue
        name, facts = e["name"], e["facts"]
        train_attrs = [a for a in ATTRIBUTES if a not in e["heldout"]]
        if e["tier"] == "frequent":
            n_profile = n_freq // 2
            n_single = n_freq - n_profile - n_dialogues
            for _ in range(n_dialogues):
                a0 = train_attrs[int(rng.integers(len(train_attrs)))]
                wrong = None
                if rng.random() < p_wrong:
                    dom = value_domain(a0)
                    while wrong is None or wrong == facts[a0]:
                        wrong = dom[int(rng.integers(len(dom)))]
                rand = rng.random() < p_random_schedule
                sched = random_schedule(rng, 20) if rand else PROGRESSIVE
                docs.append(chat_doc(tok, dialogue_turns(e, a0, sched, wrong, bool(system()))))
                stats["dialogues"] += 1
                stats["dialogues_wrong"] += wrong is not None
                stats["dialogues_random"] += rand
            for k in range(n_profile):
                docs.append(stated(e, list(rng.permutation(ATTRIBUTES)), k))
            for a in ATTRIBUTES:
                for k in range(n_single):
                    docs.append(asked(e, a) if a in train_attrs and k < n_asked else stated(e, [a], k))
            for a in ATTRIBUTES:
                seen[(name, a)] = n_dialogues + n_profile + n_single
        else:
            for a in ATTRIBUTES:
                n = e["counts"][a]
                for k in range(n):
                    docs.append(asked(e, a) if a in train_attrs and k == 0 else stated(e, [a], k))
                seen[(name, a)] = n
    for e in ents:
        for a in ATTRIBUTES:
            assert seen.get((e["name"], a), 0) == e["counts"][a], (e["name"], a)
    order = rng.permutation(len(docs))
    return [docs[i] for i in order], stats


# ----------------------------------------------------------------------------------------------------------------
# Files for the TypeScript side

def tokenizer_json(vocab: list[str]) -> dict:
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
             "special": True} for i, t in enumerate(SPECIALS)],
        "normalizer": None,
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": None,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(vocab)}},
    }


def tokenizer_config(context: int) -> dict:
    return {
        "tokenizer_class": "PreTrainedTokenizer",
        "bos_token": "<|bos|>", "eos_token": "<|end|>", "pad_token": "[PAD]", "unk_token": "[UNK]",
        "add_bos_token": False, "add_eos_token": False, "clean_up_tokenization_spaces": True,
        "model_max_length": context,
        "chat_template": CHAT_TEMPLATE,
        "added_tokens_decoder": {str(i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                                          "single_word": False, "special": True} for i, t in enumerate(SPECIALS)},
    }


CONTEXT = 1024


def write_files(out_dir: str = HERE, **cfg) -> dict:
    cfg = {**DEFAULTS, **cfg}
    vocab = build_vocab()
    tok = Tokenizer(vocab)
    ents = build_kb(tok, **cfg)
    with open(os.path.join(out_dir, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(vocab), f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump(tokenizer_config(CONTEXT), f, indent=1)
        f.write("\n")
    with open(os.path.join(out_dir, "values.json"), "w") as f:
        json.dump(dict(note="Every value each attribute can take (kb.py value_domain); testbedLabel reads it.",
                       attributes={a: value_domain(a) for a in ATTRIBUTES}), f)
        f.write("\n")
    with open(os.path.join(out_dir, "dataset.jsonl"), "w") as f:
        for it in dataset_items(ents, cfg["epochs"]):
            f.write(json.dumps(it) + "\n")
    return dict(vocab=len(vocab), entities=len(ents))


def world(**cfg):
    """(config, tokenizer, entities) for the given overrides of DEFAULTS."""
    cfg = {**DEFAULTS, **cfg}
    tok = Tokenizer(build_vocab())
    return cfg, tok, build_kb(tok, **cfg)


if __name__ == "__main__":
    print(json.dumps(write_files()))
    if "--stats" in sys.argv:
        cfg, tok, ents = world()
        docs, st = build_corpus(tok, ents, **cfg)
        lens = np.array([len(d.ids) for d in docs])
        print(json.dumps(dict(docs=len(docs), tokens=int(lens.sum()), targets=int(sum(sum(d.mask) for d in docs)),
                              max_len=int(lens.max()), long_docs=int((lens > 200).sum()), **st)))
