"""The offline reader: answers that quote the passages, and the sources' disagreements.

    score      every passage sentence against the question: word coverage and meaning (extractive)
    select     the best-supported sentences, or none (then it abstains, saying why)
    read       what the question asks for (question), the candidate answers in the evidence
               (candidates, spans), and whether sources fill it differently (sides, short_answer)
    render     the sentences with their passages' keys, a short answer, the disagreement

`ExtractiveLLM.read` runs it end to end, and is the offline backend; `find_conflicts` runs it for
the disagreement only, behind a backend that does not look for it. Keep one reader for many
questions: it loads spaCy once, on the first question that needs a parse.
"""

from rag.reader.extractive import ExtractiveLLM, ExtractiveSettings

__all__ = ["ExtractiveLLM", "ExtractiveSettings"]
