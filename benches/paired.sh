#!/usr/bin/env bash
# Paired runs for docs/bench.md: skewsim bulk against the hand-interleaved
# SHA-NI reference (examples/shani_reference.rs) and against its own portable
# path, alternating within each round so that a slower or busier minute hits
# every contender alike. Prints markdown tables: medians of the rates
# (M codes/s) and the median of each round's ratio. Every run's checksum must
# equal its contenders' (the script stops otherwise).
#
#   bash benches/paired.sh                 # 5 rounds, about 15 minutes on 2 cores
#   ROUNDS=3 SCALE=0.5 bash benches/paired.sh
#   OTHER=/path/to/older/skewsim bash benches/paired.sh   # adds a before/after column
#
# Run it on quiet cores (no build, no other benchmark) and name the CPU
# (lscpu) with the figures.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
SCALE=${SCALE:-1}
OTHER=${OTHER:-}
cargo build --release --quiet --bin skewsim --example shani_reference
BIN=target/release/skewsim
REF=target/release/examples/shani_reference
KEY=3132333435363738393031323334353637383930
CORES=$(nproc)

rate() { sed -n 's/.*codes_per_sec=\([0-9]*\).*/\1/p' <<<"$1" | head -1; }
sum() { sed -n 's/.*checksum=\([0-9]*\).*/\1/p' <<<"$1" | head -1; }
# median of the numbers on standard input
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $CORES cores; $ROUNDS rounds"
echo

# One workload's arguments for skewsim bulk and the reference.
workload_args() { # workload threads [divisor]
  local n
  if [ "$1" = w1 ]; then
    n=$(awk -v s="$SCALE" -v t="$2" -v d="${3:-1}" 'BEGIN {printf "%d", 25000000 * s * t / d}')
    echo "--secret-hex $KEY --steps $n"
  else
    n=$(awk -v s="$SCALE" -v t="$2" -v d="${3:-1}" 'BEGIN {printf "%d", 8000000 * s * t / d}')
    echo "--secrets $n"
  fi
}

echo "| algorithm | workload | threads | reference, 2 lanes | reference, 4 lanes | auto (ran) | sha-ni-2 | sha-ni-4 | auto / best reference |${OTHER:+ before | auto / before |}"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${OTHER:+ ---: | ---: |}"
for alg in sha1 sha256; do
  for workload in w1 w2; do
    for threads in 1 $CORES; do
      args=$(workload_args "$workload" "$threads")
      declare -A rates=()
      ratios=()
      before_ratios=()
      ran=""
      for ((round = 0; round < ROUNDS; round++)); do
        want=""
        round_rates=()
        for who in ref2 ref4 auto sha-ni-2 sha-ni-4 ${OTHER:+other}; do
          case $who in
            ref2) out=$($REF --algorithm "$alg" --lanes 2 --threads "$threads" $args) ;;
            ref4) out=$($REF --algorithm "$alg" --lanes 4 --threads "$threads" $args) ;;
            other) out=$($OTHER bulk --algorithm "$alg" --threads "$threads" $args) ;;
            *) out=$($BIN bulk --algorithm "$alg" --threads "$threads" --backend "$who" $args) ;;
          esac
          if [ -z "$want" ]; then want=$(sum "$out"); fi
          if [ "$(sum "$out")" != "$want" ]; then
            echo "error: $who $alg $workload: checksum $(sum "$out") != $want" >&2
            exit 1
          fi
          if [ "$who" = auto ]; then ran=$(sed -n 's/.*backend=\([a-z0-9-]*\).*/\1/p' <<<"$out" | head -1); fi
          rates[$who]+="$(rate "$out") "
          round_rates+=("$who=$(rate "$out")")
        done
        # This round's ratios.
        r2=$(printf '%s\n' "${round_rates[@]}" | sed -n 's/^ref2=//p')
        r4=$(printf '%s\n' "${round_rates[@]}" | sed -n 's/^ref4=//p')
        a=$(printf '%s\n' "${round_rates[@]}" | sed -n 's/^auto=//p')
        ratios+=("$(awk -v a="$a" -v x="$r2" -v y="$r4" 'BEGIN {b = (x > y) ? x : y; printf "%.3f", a / b}')")
        if [ -n "$OTHER" ]; then
          o=$(printf '%s\n' "${round_rates[@]}" | sed -n 's/^other=//p')
          before_ratios+=("$(awk -v a="$a" -v o="$o" 'BEGIN {printf "%.3f", a / o}')")
        fi
      done
      m() { tr ' ' '\n' <<<"${rates[$1]}" | grep . | median | awk '{printf "%.2f", $1 / 1e6}'; }
      row="| $alg | $workload | $threads | $(m ref2) | $(m ref4) | $(m auto) ($ran) | $(m sha-ni-2) | $(m sha-ni-4) | $(printf '%s\n' "${ratios[@]}" | median)× |"
      if [ -n "$OTHER" ]; then
        row+=" $(m other) | $(printf '%s\n' "${before_ratios[@]}" | median)× |"
      fi
      echo "$row"
      unset rates
    done
  done
done

echo
echo "| algorithm | workload | threads | portable | avx2 | avx512 | auto (ran) | auto / portable |${OTHER:+ before (auto) | auto / before |}"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |${OTHER:+ ---: | ---: |}"
for alg in sha512 sha3-256; do
  for workload in w1 w2; do
    for threads in 1 $CORES; do
      # SHA-512 and SHA-3 are slower: a fifth of the codes.
      args=$(workload_args "$workload" "$threads" 5)
      declare -A rates=()
      ratios=()
      before_ratios=()
      ran=""
      for ((round = 0; round < ROUNDS; round++)); do
        want=""
        declare -A this=()
        for who in portable avx2 avx512 auto ${OTHER:+other}; do
          if [ "$who" = other ]; then
            out=$($OTHER bulk --algorithm "$alg" --threads "$threads" $args)
          else
            out=$($BIN bulk --algorithm "$alg" --threads "$threads" --backend "$who" $args 2>/dev/null) || continue
          fi
          if [ -z "$want" ]; then want=$(sum "$out"); fi
          if [ "$(sum "$out")" != "$want" ]; then
            echo "error: $who $alg $workload: checksum $(sum "$out") != $want" >&2
            exit 1
          fi
          if [ "$who" = auto ]; then ran=$(sed -n 's/.*backend=\([a-z0-9-]*\).*/\1/p' <<<"$out" | head -1); fi
          rates[$who]+="$(rate "$out") "
          this[$who]=$(rate "$out")
        done
        ratios+=("$(awk -v a="${this[auto]}" -v p="${this[portable]}" 'BEGIN {printf "%.3f", a / p}')")
        if [ -n "$OTHER" ]; then
          before_ratios+=("$(awk -v a="${this[auto]}" -v o="${this[other]}" 'BEGIN {printf "%.3f", a / o}')")
        fi
        unset this
      done
      m() { tr ' ' '\n' <<<"${rates[$1]:-}" | grep . | median | awk '{printf "%.2f", $1 / 1e6}'; }
      row="| $alg | $workload | $threads | $(m portable) | $(m avx2) | $(m avx512) | $(m auto) ($ran) | $(printf '%s\n' "${ratios[@]}" | median)× |"
      if [ -n "$OTHER" ]; then
        row+=" $(m other) | $(printf '%s\n' "${before_ratios[@]}" | median)× |"
      fi
      echo "$row"
      unset rates
    done
  done
done
