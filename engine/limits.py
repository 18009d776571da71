"""Limits on every input, so that no file or argument can exhaust time, memory or the stack.

Each limit has its diagnostic code; README.md ("Limits") lists them. Within these limits
any input of up to 1 MB is checked and evaluated in seconds and a few hundred megabytes.
"""

from __future__ import annotations

#: Largest rule file read (E005), in bytes.
MAX_RULE_FILE_BYTES = 500_000
#: Largest case or reference-data file read (E306), in bytes; also each line of a batch .jsonl file.
MAX_CASE_FILE_BYTES = 1_000_000
#: Deepest nesting of conditions and expressions in a rule file or a query (E004):
#: `not`, `and`/`or` in parentheses, `count(...)`, chains of `+` ...
MAX_NESTING = 64
#: Deepest nesting of count(...) inside count(...) (E004): each level multiplies the work.
MAX_COUNT_NESTING = 2
#: Most declarations (rules, definitions, procedures, ...) in one rule set (E006).
MAX_DECLARATIONS = 2_000
#: Most conditions (atoms and comparisons) in one declaration (E006).
MAX_CONDITIONS = 256
#: Longest string literal in a rule file (E002), in characters.
MAX_STRING_CHARS = 10_000
#: Most digits of a number in a rule file (E002), a case file or a --set value (E303).
MAX_NUMBER_DIGITS = 100
#: Most characters of all scalars of a YAML document after expanding its aliases (E301).
MAX_EXPANDED_CHARS = 5_000_000
#: Most entries of any one list or mapping of a case or data file: incidents, decisions, votes ... (E306).
MAX_LIST_ENTRIES = 500
#: CPU seconds a command of the command line may take before it gives up (E007);
#: CASUS_TIME_LIMIT overrides it, 0 turns it off. batch, explore and prove are not limited.
DEFAULT_TIME_LIMIT = 60.0
#: Most entries kept in the cache directory, and most bytes they take; beyond either, the least
#: recently used are deleted.
MAX_CACHE_ENTRIES = 64
MAX_CACHE_BYTES = 256_000_000
#: Diagnostics printed in full; the rest are counted ("... and N more").
MAX_DIAGNOSTICS_SHOWN = 50
#: Longest value quoted in a message; longer ones are cut in the middle.
MAX_QUOTED_CHARS = 80
#: Longest name compared for a did-you-mean suggestion.
MAX_SUGGESTION_CHARS = 64


def clip(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """`text`, or its start and end around a note of how much was left out, in at most `limit` characters."""
    if len(text) <= limit:
        return text
    cut = len(text)
    while True:
        marker = f"...({cut} more characters)..."
        keep = max(2, limit - len(marker))
        if len(text) - keep == cut:
            break
        cut = len(text) - keep
    head = keep * 2 // 3
    return f"{text[:head]}{marker}{text[len(text) - (keep - head):]}"
