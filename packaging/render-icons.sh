#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Renders the application icon's PNG sizes from its SVG into resources/icons/hicolor/, where the
# install rules pick them up. The PNGs are committed, so building needs no SVG renderer; run this
# after changing the SVG (needs rsvg-convert: apt install librsvg2-bin) and commit the result.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
id=io.github.swarmshare.Swarmshare
svg=$here/resources/icons/$id.svg
if ! command -v rsvg-convert >/dev/null; then
    echo "render-icons: rsvg-convert is missing (apt install librsvg2-bin)" >&2
    exit 1
fi
for size in 16 22 24 32 48 64 128 256; do
    dir=$here/resources/icons/hicolor/${size}x${size}/apps
    mkdir -p "$dir"
    rsvg-convert --width "$size" --height "$size" --format png "$svg" --output "$dir/$id.png"
done
echo "render-icons: wrote $(find "$here/resources/icons/hicolor" -name "$id.png" | wc -l) PNGs" >&2
