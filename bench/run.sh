#!/usr/bin/env bash
# The performance benchmarks (not tests). `bench/run.sh`: Java/DJL vs PyTorch on notebook 01's workloads
# (installs PyTorch 2.7.1, the libtorch DJL uses, into .venv on first use, for benchmarking only).
# `bench/run.sh unet`: the MNIST UNet in Java vs the same UNet in PyTorch (bench/unet.py): training step,
# Euler sampling, parameter counts and outputs checked equal, and Java's resident memory over 2,000 steps.
# `bench/run.sh flowers-unet`: the same for the 64 x 64 Flowers UNet ("small", batch 32), without the memory trace.
# `bench/run.sh couplings`: exact OT and Sinkhorn in Java vs POT on the same cost matrices.
# `bench/run.sh flowers-pipeline [JPEG_FOLDER] [RESOLUTION]`: images/s of the Flowers data pipeline (Java only).
# `bench/run.sh gpu-check [OUT_DIR] [TRAIN_SECONDS] [MODEL_SIZE] [PARTS]`: notebook 04's work on a GPU host, without Jupyter
# (bench/GpuCheck.java; builds the flavour the machine calls for, the GPU one where nvidia-smi sees a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = gpu-check ]; then
  shift
  FM_SETUP_ONLY=1 ./setup.sh >/dev/null
  exec java -cp "target/flow-matching.jar:target/lib/*" bench/GpuCheck.java "$@"
fi
FM_SETUP_ONLY=1 ./setup.sh --cpu >/dev/null
if [ "${1:-}" = flowers-pipeline ]; then
  shift
  exec java -Dai.djl.offline=true -cp "target/flow-matching.jar:target/lib/*" bench/FlowersPipelineBench.java "$@"
fi
if [ "${1:-}" = couplings ]; then
  # Couplings against POT (Python Optimal Transport), installed into .venv for this benchmark only.
  .venv/bin/python -c 'import ot' 2>/dev/null || .venv/bin/python -m pip install -q pot
  exec .venv/bin/python bench/couplings.py
fi
.venv/bin/python -c 'import torch' 2>/dev/null || .venv/bin/python -m pip install -q torch==2.7.1
exec .venv/bin/python bench/compare.py "$@"
