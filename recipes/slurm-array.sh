#!/usr/bin/env bash
# Grade a batch over a Slurm job array: task K of N grades its share (autograder grade --shard K/N) into
# shards/NAME-K; a job that depends on the array merges the shards. Run from the course folder:
#
#   job=$(sbatch --parsable --array=1-8 recipes/slurm-array.sh convolution submissions/*)
#   sbatch --dependency=afterok:$job --wrap "autograder merge shards/convolution-* --out results"
#
# or with --course instead of the submissions (then merge with --course). Resubmitting the same array grades
# only what is missing. AUTOGRADER names the command (default: autograder on PATH, e.g. .venv/bin/autograder).
#SBATCH --job-name=autograde
#SBATCH --cpus-per-task=2
#SBATCH --output=autograde-%A_%a.log
set -euo pipefail
assignment=$1
shift
k=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-1} + 1))  # 1..N whatever the array's first index
n=${SLURM_ARRAY_TASK_COUNT}
mkdir -p shards
exec "${AUTOGRADER:-autograder}" grade "$assignment" "$@" --shard "$k/$n" --out "shards/$assignment-$k" \
    --jobs "${SLURM_CPUS_PER_TASK:-0}"
