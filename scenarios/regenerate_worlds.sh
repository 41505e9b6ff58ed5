#!/usr/bin/env bash
# Regenerate the plausible worlds and every answer across them (issue 23), in this order:
#   1. history matching: seeds/worlds.toml and scenarios/WORLDS.md (with its pairs plot);
#   2. the tables of scenarios/README.md across the worlds (headline, saturation, smart gate).
# Resumable: history matching keeps each point it ran in results/history_matching/points (a
# rerun after an interruption continues; after a model change every point is run again, as the
# points' keys hash the model's sources). The tests compare the SHA-256 each file records with
# its inputs (tests/test_worlds.py) and name this script when one is stale.
# Usage: bash scenarios/regenerate_worlds.sh [WORKERS]   (from the top of the repository)
set -euo pipefail
WORKERS="${1:-2}"
WORLDS=seeds/worlds.toml
REPS=3

bordersim history-match --workers "$WORKERS" --worlds "$WORLDS" --report scenarios/WORLDS.md

bordersim table scenarios/*.toml --worlds "$WORLDS" --replications "$REPS" --workers "$WORKERS" \
    --out scenarios/README.md --block worlds > /dev/null
bordersim table scenarios/demand_growth_*.toml --worlds "$WORLDS" --replications "$REPS" --workers "$WORKERS" \
    --kpi backlog_growth_per_day.road_1119_1120 --kpi backlog_growth_per_day.huu_nghi \
    --kpi backlog_growth_per_day.road_1088_1089 --kpi backlog_growth_per_day.chi_ma \
    --out scenarios/README.md --block saturation_worlds > /dev/null
bordersim capacity --targets seeds/decision_865.toml --worlds "$WORLDS" --replications "$REPS" --days 10 \
    --workers "$WORKERS" --update scenarios/README.md > /dev/null
