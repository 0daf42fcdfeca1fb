"""How the rules detect: the share of `detect:` characters that are regular expressions.

    .venv/bin/python benchmarks/rules_report.py [RULES_DIR]

For each rule file, the characters of its `detect:` block as written in the file (comments
and indentation left out), the characters of its regular expressions within it, and the
number of expressions; then the totals. Word lists named with `words:` live in
`rules/words/*.txt` and are data, not `detect:` characters; their sizes are listed apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def detect_block(path: Path) -> str:
    """The `detect:` block's text, without comments and leading indentation."""
    lines, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            inside = line.startswith("detect:")
        if inside:
            code = line.split(" #")[0] if "'" not in line and '"' not in line else line
            if code.strip() and not code.strip().startswith("#"):
                lines.append(code.strip())
    return "\n".join(lines)


def regexes(node) -> list[str]:
    if isinstance(node, dict):
        out = []
        for key, value in node.items():
            if key == "regex" and isinstance(value, list):
                out += [str(v) for v in value]
            else:
                out += regexes(value)
        return out
    if isinstance(node, list):
        return [r for item in node for r in regexes(item)]
    return []


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "rules"
    total = regex_total = count = 0
    print(f"{'rule':34s} {'detect chars':>12s} {'regex chars':>12s} {'share':>6s} {'regexes':>8s}")
    for path in sorted(folder.glob("*.yml")):
        block = detect_block(path)
        found = regexes(yaml.safe_load(path.read_text(encoding="utf-8")).get("detect"))
        chars = sum(len(r) for r in found)
        total, regex_total, count = total + len(block), regex_total + chars, count + len(found)
        share = chars / len(block) if block else 0
        print(f"{path.stem:34s} {len(block):12d} {chars:12d} {share:6.0%} {len(found):8d}")
    print(f"{'all rules':34s} {total:12d} {regex_total:12d} {regex_total / total:6.0%} {count:8d}")
    words = sorted((folder / "words").glob("*.txt"))
    if words:
        print("\nword lists (rules/words/):")
        for path in words:
            entries = [w for w in path.read_text(encoding="utf-8").splitlines()
                       if w.strip() and not w.startswith("#")]  # fmt: skip
            print(f"  {path.stem:30s} {len(entries):5d} entries")


if __name__ == "__main__":
    main()
