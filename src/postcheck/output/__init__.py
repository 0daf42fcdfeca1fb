"""Output formats, one module each: text (people), json (tools), and for scans jsonl, csv, html."""
