"""The few colours the panes use for capture data.

Light tints on purpose: without colour (NO_COLOR) Textual turns them into greys by luminance,
and a light red stays readable on a dark background where plain ``red`` turns nearly black.
Meaning never rests on colour alone: glyphs (✓ ✗ …) and words carry it too.
"""

FAIL = "#ff6e6e"
WARN = "#ffd75f"
OK = "#87d787"
ENCRYPTED = "#6fd0f0"
RESET = "#ff8fd8"
MUTED = "dim"
