#!/usr/bin/env bash
# Speaks every voice prompt with espeak-ng (Mandarin "cmn" and English "en-us") into OUT/zh/*.wav and
# OUT/en/*.wav: the clip directory `[voice] clips_dir` names. A venue may replace any file with a recording
# (16-bit PCM WAV, mono or stereo). Usage: BIN=.build/debug scripts/make-voice-clips.sh OUT
set -euo pipefail
out=${1:?usage: make-voice-clips.sh OUT}
bin=${BIN:-$(swift build --show-bin-path)}
command -v espeak-ng >/dev/null || { echo "make-voice-clips.sh: espeak-ng is not installed (apt-get install espeak-ng)" >&2; exit 2; }
for lang in zh en; do
    voice=$([ "$lang" = zh ] && echo cmn || echo en-us)
    mkdir -p "$out/$lang"
    "$bin/healthgate-dev" voice-texts --language "$lang" > "$out/$lang/texts.tsv"
    while IFS=$'\t' read -r name text; do
        # 22050 Hz mono 16-bit, as espeak-ng writes; -s 150: a little slower than the default, for a noisy entrance.
        espeak-ng -v "$voice" -s 150 -w "$out/$lang/$name.wav" -- "$text"
    done < "$out/$lang/texts.tsv"
done
echo "voice clips in $out: $(ls "$out"/zh/*.wav "$out"/en/*.wav | wc -l) files"
