#!/usr/bin/env bash
# gemmvec: checks that every file includes only headers of its own layer or of layers below it
# (docs/architecture.md), so the CMake targets' downward links are what the code relies on.
# Exit 1 with one line per offending include. Run by ctest (LayeringTest).
set -euo pipefail
cd "$(dirname "$0")/.."

# The layers a folder may include, its own among them. Public headers belong to a layer too.
declare -A ALLOWED=(
  [src/math]="math"
  [src/base]="math base"
  [src/config]="math base config"
  [src/data]="math base config data"
  [src/train]="math base config data train"
  [src/cpu]="math base config data train cpu"
  [cuda]="math base config data train cuda"
  [src/eval]="math base eval"
  [src/run]="math base config data train cpu cuda eval run"
  [bench/lib]="math base config data train cpu cuda eval run bench"
  [python/src]="math base config data train cpu cuda eval run"
)
# The layer of each public header (include/gemmvec/).
declare -A PUBLIC=(
  [errors.h]=base [config.h]=config [embeddings.h]=train [checkpoint.h]=train
  [vectors_io.h]=eval [evaluation.h]=eval [trainer.h]=run [progress.h]=run
)

layer_of() {  # an include path as written -> its layer ("" for system or same-folder headers)
  local inc=$1 from=$2
  case "$inc" in
    gemmvec/*) echo "${PUBLIC[${inc#gemmvec/}]:-unknown}" ;;
    math/*|base/*|config/*|data/*|train/*|cpu/*|eval/*|run/*) echo "${inc%%/*}" ;;
    *) if [ -e "cuda/$inc" ]; then echo cuda
       elif [ -e "bench/lib/$inc" ]; then echo bench
       elif [ -e "$from/$inc" ]; then echo same
       else echo unknown; fi ;;
  esac
}

bad=0
for dir in "${!ALLOWED[@]}"; do
  for f in "$dir"/*.h "$dir"/*.cc "$dir"/*.cu "$dir"/*.cuh "$dir"/*.inl; do
    [ -e "$f" ] || continue
    while IFS= read -r inc; do
      layer=$(layer_of "$inc" "$dir")
      [ "$layer" = same ] && continue
      if [[ " ${ALLOWED[$dir]} " != *" $layer "* ]]; then
        echo "$f: includes \"$inc\" (layer $layer), above or beside $dir"
        bad=1
      fi
    done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
  done
done
# The public headers include only public headers.
for f in include/gemmvec/*.h; do
  while IFS= read -r inc; do
    [[ "$inc" == gemmvec/* ]] || { echo "$f: the installed API includes the internal \"$inc\""; bad=1; }
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
[ "$bad" = 0 ] && echo "layers: every include points down"
exit "$bad"
