#!/usr/bin/env bash
# Renders Allure results into a static report with Allure 3 (npm package `allure`), installed once
# into .tools/: bash scripts/allure-report.sh [RESULTS_DIR] [REPORT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
results="${1:-reports/allure-results}"
report="${2:-reports/allure-report}"
if [ ! -x .tools/node_modules/.bin/allure ]; then
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools allure@3 >/dev/null
fi
# The tree groups by truth level / spec section / criterion (epic, feature, story): data/allurerc.json.
NO_COLOR=1 .tools/node_modules/.bin/allure generate "$results" --config pytest_agentrun/data/allurerc.json \
  --output "$report" --report-name "AgentRun lane acceptance" >/dev/null
echo "Allure report: $report/index.html (serve the folder over HTTP to open it, e.g. python3 -m http.server -d $report)"
