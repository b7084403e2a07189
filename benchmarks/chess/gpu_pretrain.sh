#!/bin/bash
# Pretrain the chess ladder on a GPU machine from positions played elsewhere: no Stockfish needed there.
#
#   bash benchmarks/chess/gpu_pretrain.sh                        # the shipped recipe, chess-l at full length
#   SIZES=chess-l:8x128 LRS=5e-4 SECONDS_PER_RUNG=300 bash benchmarks/chess/gpu_pretrain.sh
#
# Reads benchmarks/chess/pretrain-positions.jsonl.gz (210,320 Stockfish-labelled positions from the
# self-play games the recipe names; `python -m w2s_edu.chess.build` regenerates them with Stockfish)
# and writes the rungs to $LADDER (default /tmp/ladder) and a tarball to $OUT. Needs torch, transformers,
# tokenizers and python-chess (pure Python: put a copy on PYTHONPATH if the machine has none).
# Measured on one H100 (16 CPU cores, 12 loader workers): chess-s 45 steps/s, chess-m 46 steps/s
# (both limited by tokenization), chess-l 22 steps/s, batch 512 positions.
# Then, on any machine: copy the rung folders to w2s_edu/data/chess/ and run
# `python -m w2s_edu.chess.measure --bootstrap` (writes ladder.json, the acceptance record).
export PYTHONPATH=$PWD:$PYTHONPATH TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
OUT=${OUT:-/tmp/out}; LADDER=${LADDER:-/tmp/ladder}; PY=${PY:-python3}; mkdir -p "$OUT"
nvidia-smi -L 2>&1 | head -2; nproc
$PY -c "import torch, transformers, tokenizers, chess; print(torch.__version__, transformers.__version__, tokenizers.__version__, chess.__version__, torch.cuda.is_available())" || exit 1
timeout "${BUDGET:-600}" $PY -m w2s_edu.chess.build --positions "${POS:-benchmarks/chess/pretrain-positions.jsonl.gz}" \
  --out "$LADDER" --device "${DEVICE:-cuda}" --loader-workers "${WORKERS:-12}" --threads 4 --batch-size "${BATCH:-512}" \
  --sizes "${SIZES:-chess-s:1x32,chess-m:4x96,chess-l:8x128}" --steps "${STEPS:-1000000,1000000,1000000}" \
  --lr "${LRS:-2e-3,1e-3,5e-4}" --max-seconds "${SECONDS_PER_RUNG:-75,100,300}" 2>&1 | tee "$OUT/pretrain.log" | grep -v "step/s"
echo "exit ${PIPESTATUS[0]}"
tar czf "$OUT/ladder.tgz" -C "$(dirname "$LADDER")" "$(basename "$LADDER")" && ls -la "$OUT"
