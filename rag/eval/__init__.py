"""Offline evaluation on gold sets in the neutral format (corpus.jsonl, questions.jsonl,
stories.jsonl).

    gold.py        load and validate a gold set, naming the file and line of every problem
    evaluate.py    index it once, ask every question through `Rag`, score retrieval, answers,
                   abstention, disagreement and citations
    stories.py     brief every story through `Rag`, score against editors' summaries (ROUGE)
    gates.py       floors and targets per metric; a floor broken fails CI
"""
