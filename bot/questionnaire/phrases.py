"""The Danish words and phrases that typed answers are read with: negations, "I don't know",
vague words, yes and no. Used by ``interpret``; kept apart so the rules stay readable."""

from __future__ import annotations

# Words that turn a statement around.
NEGATIONS = frozenset({"ikke", "ik", "ikk", "ike", "ikek", "ikkke", "ingenlunde"})
# Answers that say "I don't know" or are too vague to be any option.
DONT_KNOW_PHRASES = (
    "ved ikke",
    "ved det ikke",
    "det ved jeg ikke",
    "jeg ved ikke",
    "jeg ved det ikke",
    "aner det ikke",
    "aner ikke",
    "ingen anelse",
    "kan ikke svare",
    "kan ikke sige",
    "svært at sige",
    "svaert at sige",
    "ikke sikker",
    "usikker",
    "kommer an på",
    "forstår ikke",
    "forstår det ikke",
)
VAGUE_WORDS = frozenset(
    {
        "tja",
        "tjah",
        "tjo",
        "tjoh",
        "jo",
        "måske",
        "sådan",
        "cirka",
        "ca",
        "hmm",
        "hm",
        "øh",
        "øhm",
        "æh",
        "nok",
        "vel",
        "altså",
        "godt",
        "spørgsmål",
        "hvad",
    }
)

YES_PHRASES = frozenset(
    {
        "ja",
        "jo",
        "jep",
        "jeps",
        "ja tak",
        "ja da",
        "jada",
        "ja gerne",
        "gerne",
        "ja meget gerne",
        "meget gerne",
        "yes",
        "ok",
        "okay",
        "oki",
        "javel",
        "ja det vil jeg gerne",
        "ja det har jeg",
        "ja det vil jeg",
        "det vil jeg gerne",
        "det har jeg",
        "selvfølgelig",
        "absolut",
        "helt sikkert",
        "ja bestemt",
        "bestemt",
        "yep",
        "jaja",
        "sure",
    }
)
NO_PHRASES = frozenset(
    {
        "nej",
        "nej tak",
        "næ",
        "næh",
        "nix",
        "nope",
        "no",
        "nej da",
        "ikke rigtig",
        "ikke rigtigt",
        "ikke",
        "nej ikke rigtig",
        "nej det har jeg ikke",
        "nej det vil jeg ikke",
        "det har jeg ikke",
        "det vil jeg ikke",
        "nej ellers tak",
        "ellers tak",
        "slet ikke",
        "overhovedet ikke",
        "nej nej",
        "nej slet ikke",
        "ingen",
        "ingen tak",
    }
)
YES_WORDS = frozenset({"ja", "jo", "jep", "jeps", "jada", "yes", "gerne", "javel", "yep"})
NO_WORDS = frozenset({"nej", "næ", "næh", "nix", "nope", "no"})
