#!/usr/bin/env bash
# Publishes the three programs an image carries into OUT/{silo,cli,dashboard} (framework-dependent, linux-x64, so
# TorchSharp's natives sit flat beside each program), then replaces every file of cli/ and dashboard/ that is
# byte-identical to silo/'s with a relative symlink: libtorch (about 475 MB) is stored once, not three times.
# Usage: deploy/docker/publish.sh OUT [silo|cli|dashboard ...]   (default: all three; run from the repository root)
set -euo pipefail

out=${1:?usage: publish.sh OUT [silo cli dashboard]}
shift
apps=("$@")
[ ${#apps[@]} -gt 0 ] || apps=(silo cli dashboard)

project_of() {
  case "$1" in
    silo) echo src/MoT.Silo/MoT.Silo.csproj ;;
    cli) echo src/MoT.Cli/MoT.Cli.csproj ;;
    dashboard) echo web/MoT.Dashboard/MoT.Dashboard.csproj ;;
    *) echo "publish.sh: unknown program '$1' (silo, cli, dashboard)" >&2; exit 2 ;;
  esac
}

for app in "${apps[@]}"; do project_of "$app" >/dev/null; done # refuse a typo before minutes of publishing

for app in "${apps[@]}"; do
  dotnet publish "$(project_of "$app")" -c Release -r linux-x64 --self-contained false \
    -p:DebugType=none -p:GenerateDocumentationFile=false -o "$out/$app"
done

# Same name and same bytes as the silo's copy: link to it. Programs load these by path from their own folder.
if [ -d "$out/silo" ]; then
  for app in "${apps[@]}"; do
    [ "$app" = silo ] && continue
    for file in "$out/$app"/*; do
      name=$(basename "$file")
      if [ -f "$file" ] && [ ! -L "$file" ] && [ -f "$out/silo/$name" ] && cmp -s "$file" "$out/silo/$name"; then
        ln -sf "../silo/$name" "$file"
      fi
    done
  done
fi

echo "published: ${apps[*]} -> $out ($(du -sh "$out" | cut -f1))"
