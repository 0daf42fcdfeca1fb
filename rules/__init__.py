"""postcheck's built-in rules: one YAML file per check (the file name is the rule id), and
the word lists they name in `rules/words/`. Installed as the package data of
`postcheck.builtin_rules`; see README.md, "The rules"."""
