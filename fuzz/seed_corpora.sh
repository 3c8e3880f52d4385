#!/usr/bin/env bash
# Seeds the fuzz corpora from the repository's own files (run from anywhere).
# The corpora (fuzz/corpus/) are not committed: this makes them again.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/fuzz/corpus"

mkdir -p "$corpus"/{config_parser,scenario_parser,dial_numbers,engine_inputs}

# Tenant configurations: the scenarios' shared ones and the examples.
for f in "$root"/scenarios/configs/*.toml "$root"/examples/*.toml; do
    cp "$f" "$corpus/config_parser/$(basename "$(dirname "$f")")_$(basename "$f")"
done

# Scenario files: every scenario but the shared configurations.
find "$root/scenarios" -name '*.toml' -not -path '*/configs/*' | sort | while read -r f; do
    rel="${f#"$root"/scenarios/}"
    cp "$f" "$corpus/scenario_parser/${rel//\//_}"
done

# Dial numbers and addresses in the forms the code documents.
i=0
for s in "+12015532447" "+1 (201) 553-2447" "01161123456789" "+48 22 123 45 67" \
         "1001" "*720#" "555:123" "tel. 800-FLOWERS 123" "12+34" "+4412345678901234" \
         " +48 601 234 567 " "+44.7911.123456" " Ann.Lee@Example.COM " \
         "o'brien+tag@mail.example.co.uk" " PSID-123 " "ann@example.c0m"; do
    printf '%s' "$s" > "$corpus/dial_numbers/seed_$i"
    i=$((i + 1))
done

# Engine courses: a few longer inputs (fixed pseudo-random bytes), so that the
# first runs already decode into sequences of a hundred steps or more.
RANDOM=7
for n in 0 1 2 3 4 5 6 7; do
    bytes=""
    for _ in $(seq 1 1024); do
        bytes+="$(printf '\\%03o' $((RANDOM % 256)))"
    done
    printf "$bytes" > "$corpus/engine_inputs/seed_$n"
done

echo "seeded: $(for t in "$corpus"/*; do printf '%s=%s ' "$(basename "$t")" "$(ls "$t" | wc -l)"; done)"
