# Sourced by the scripts behind `npm start` and `npm test`: makes sure a supported Node.js runs
# them. Supported: Node.js 22 and later (the functions run on Node.js 24; Node.js 20 reached end
# of life on 2026-04-30 and a dependency, content-type via Octokit, needs 22). On an older Node.js,
# Node.js 24 comes from the npm package node@24 (downloaded once into npm's cache) and goes first
# on PATH, so npm, tsx and vitest all run on it.
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null; then
  printf '== node: %s is not supported (22 or later is); using Node.js 24 from the npm package node@24\n' "$(node --version 2>/dev/null || echo 'no node')"
  NODE24_BIN="$(npx -y -p node@24 sh -c 'dirname "$(command -v node)"')"
  export PATH="$NODE24_BIN:$PATH"
fi
printf '== node: %s\n' "$(node --version)"
