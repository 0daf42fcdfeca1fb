"""The `postcheck` command: check a draft, list/explain/test rules, show models, scan exports.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
2 usage, configuration or input error; `scan` only: 3 done, but some records could not
be read or checked.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from postcheck.errors import PostcheckError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_UNREADABLE = 0, 1, 2, 3
_RANK = {"ok": 0, "doubt": 1, "breach": 2}

EPILOG = """\
examples:
  postcheck check "Well done to Year 6 on a brilliant sports day!"
  postcheck check --file draft.txt --explain
  echo "Our trip to the zoo" | postcheck check -f json
  postcheck rules list
  postcheck rules explain self_harm_encouragement
  postcheck scan twitter-archive.zip -f html -o report.html
  postcheck serve                      # the staff page on http://127.0.0.1:8765/

exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
            2 usage, configuration or input error,
            3 (scan) done, but some records could not be read or checked.
"""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return args.handler(args)
    except PostcheckError as exc:
        print(f"postcheck: {exc.message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("postcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postcheck",
        description="Check a draft social-media post against the school's acceptable-use "
        "policy, offline. If in doubt, don't post it!",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    check = sub.add_parser(
        "check",
        help="check one draft post (text, --file, or standard input)",
        description="Check one draft post. Says OK, DOUBT or BREACH, with the policy clause "
        "and the words that triggered each finding.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "text", nargs="?", help="the draft text (quote it); '-' reads it from standard input"
    )
    check.add_argument("--file", type=Path, help="read the draft from this file ('-' = stdin)")
    _common(check)
    _output_options(check)
    check.add_argument("--explain", action="store_true", help="show the evidence for findings")
    check.set_defaults(handler=cmd_check)

    rules = sub.add_parser("rules", help="list, explain or test the policy rules")
    rules_sub = rules.add_subparsers(title="rules commands", metavar="COMMAND")
    rlist = rules_sub.add_parser("list", help="list the rules in use")
    rlist.add_argument("-f", "--format", choices=["text", "json"], default="text")
    rlist.add_argument("--config", type=Path, help="postcheck.yml to use")
    rlist.set_defaults(handler=cmd_rules_list)
    rexplain = rules_sub.add_parser("explain", help="show a rule's clause, purpose and examples")
    rexplain.add_argument("rule", help="rule id, from `postcheck rules list`")
    rexplain.add_argument("--config", type=Path, help="postcheck.yml to use")
    rexplain.set_defaults(handler=cmd_rules_explain)
    rtest = rules_sub.add_parser("test", help="run the rules' own examples (no pytest needed)")
    rtest.add_argument("rule", nargs="*", help="rule ids (default: all)")
    rtest.add_argument("--config", type=Path, help="postcheck.yml to use")
    rtest.set_defaults(handler=cmd_rules_test)
    rules.set_defaults(handler=lambda a: _usage(rules))

    models = sub.add_parser("models", help="show toxicity backends, weights and how to add more")
    models.add_argument("-f", "--format", choices=["text", "json"], default="text")
    models.add_argument("--config", type=Path, help="postcheck.yml to use")
    models.set_defaults(handler=cmd_models)

    _add_scan(sub)
    _add_serve(sub)
    return parser


def _output_options(p: argparse.ArgumentParser) -> None:
    """-f/--format, -o/--output, --redact: the same words for every command that writes."""
    from postcheck.output import OUTPUT_FORMATS

    p.add_argument(
        "-f", "--format", choices=OUTPUT_FORMATS, default=None,
        help="output format (default: from the -o file name, else text)",
    )  # fmt: skip
    p.add_argument("-o", "--output", type=Path, help="write here (default: standard output)")
    p.add_argument(
        "--redact",
        action="store_true",
        help="mask all the personal data found (names, phones, e-mails, postcodes...) in the "
        "output",
    )


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="postcheck.yml to use (default: ./postcheck.yml)")
    p.add_argument(
        "--fail-on",
        choices=["doubt", "breach"],
        default="doubt",
        help="exit 1 when the verdict is at least this (default: doubt)",
    )
    p.add_argument("--no-color", action="store_true", help="no colours even on a terminal")
    p.add_argument(
        "--trust-checkpoint",
        action="store_true",
        help="load a toxicity checkpoint that is not a known published file (it is a pickle: "
        "only for files you made or trust; or set POSTCHECK_TRUST_CHECKPOINT=1). "
        "postcheck.yml cannot set this",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_ERROR


def _version() -> str:
    from postcheck import __version__

    return f"postcheck {__version__}"


def _config(args):
    from postcheck.config import load_config

    path = getattr(args, "config", None)
    if path is not None and not path.is_file():
        raise PostcheckError(
            "the configuration file does not exist",
            where=str(path),
            fix="give the path of a postcheck.yml, or leave out --config",
        )
    config = load_config(path)
    # Trust to unpickle a checkpoint comes only from the person running the command: this
    # flag, or POSTCHECK_TRUST_CHECKPOINT=1 (read by load_config); never postcheck.yml.
    if getattr(args, "trust_checkpoint", False):
        config.toxicity["trust_checkpoint"] = True
    return config


def _colour(args, stream) -> bool:
    from postcheck.output.text import use_colour

    return use_colour(stream, getattr(args, "no_color", False))


PROMPT = "Type or paste the draft post, then press Ctrl-D on a new line (Windows: Ctrl-Z, Enter):"


def cmd_check(args) -> int:
    from postcheck.textinput import check_argument, read_stream

    config = _config(args)
    if args.text == "-" and args.file is None:  # Unix for "standard input", not a post
        args.text, args.file = None, Path("-")
    if args.text is not None and args.file is not None:
        raise PostcheckError(
            "give the draft either as text or with --file, not both",
            fix='postcheck check "your text"  or  postcheck check --file draft.txt',
        )
    if args.text is not None:
        text = check_argument(args.text, "the text argument", config.max_chars)
    elif args.file is not None and str(args.file) != "-":
        try:
            with args.file.open("rb") as fh:
                text = read_stream(fh, str(args.file), config.max_chars)
        except OSError as exc:
            raise PostcheckError(
                f"cannot read the file: {exc.strerror}",
                where=str(args.file),
                fix="check the file name and that you may read it",
            ) from None
    elif args.file is not None or not sys.stdin.isatty():
        text = read_stream(sys.stdin.buffer, "standard input", config.max_chars)
    else:  # on a terminal with no draft: ask for it
        print(PROMPT, file=sys.stderr, flush=True)
        text = read_stream(sys.stdin.buffer, "the draft you typed", config.max_chars)

    from postcheck.output import format_for_path, open_output

    fmt = args.format or format_for_path(args.output)
    from postcheck.engine import Checker

    verdict = Checker(config).check(text)
    writer = open_output(
        fmt, args.output, redact=args.redact, single=True, explain=args.explain,
        colour=args.output is None and _colour(args, sys.stdout),
    )  # fmt: skip
    writer.write(verdict)
    writer.close(None)
    if args.output:
        print(f"Written to {args.output}", file=sys.stderr)
    return EXIT_FINDINGS if _RANK[verdict.verdict] >= _RANK[args.fail_on] else EXIT_OK


def cmd_rules_list(args) -> int:
    from postcheck.engine import select_rules

    rules = select_rules(_config(args))
    if args.format == "json":
        print(json.dumps([_rule_summary(r) for r in rules], ensure_ascii=False, indent=2))
        return EXIT_OK
    width = max((len(r.id) for r in rules), default=10)
    for r in sorted(rules, key=lambda r: (_clause_key(r.clause), r.id)):
        print(f"{r.id:<{width}}  {r.clause:<8} {r.severity:<7} {r.title}")
    print(f"\n{len(rules)} rules. `postcheck rules explain ID` shows one in full.")
    return EXIT_OK


def cmd_rules_explain(args) -> int:
    from postcheck.engine import select_rules

    rules = {r.id: r for r in select_rules(_config(args))}
    rule = rules.get(args.rule)
    if rule is None:
        raise PostcheckError(
            f"no rule called {args.rule!r}",
            fix=f"use one of: {', '.join(sorted(rules))}",
        )
    print(f"{rule.id}: {rule.title}")
    print(f"Clause:   {rule.clause} {rule.quote}")
    print(f"Severity: {rule.severity}")
    print(f"Why:      {rule.message}")
    print(f"Try:      {rule.suggestion}")
    print(f"File:     {rule.path}")
    for expect, heading in (("fail", "Flagged, for example:"), ("pass", "Not flagged:")):
        print(f"\n{heading}")
        for ex in rule.examples:
            if ex.expect == expect:
                print(f"  - {ex.text}")
    return EXIT_OK


def cmd_rules_test(args) -> int:
    from postcheck.engine import Checker
    from postcheck.ruletest import run_examples

    checker = Checker(_config(args))
    unknown = [r for r in args.rule if r not in {x.id for x in checker.rules}]
    if unknown:
        raise PostcheckError(
            f"unknown rule id(s): {', '.join(unknown)}",
            fix="run `postcheck rules list` to see the rule ids",
        )
    results = run_examples(checker, args.rule or None)
    failed = [r for r in results if not r.passed]
    for r in failed:
        print(f"FAIL {r.describe()}")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return EXIT_FINDINGS if failed else EXIT_OK


def cmd_models(args) -> int:
    from postcheck.models_info import models_info, models_report

    config = _config(args)
    if args.format == "json":
        print(json.dumps(models_info(config.toxicity), ensure_ascii=False, indent=2))
    else:
        print(models_report(config.toxicity))
    return EXIT_OK


SCAN_EPILOG = """\
examples:
  postcheck scan twitter-archive.zip -f html -o report.html
  postcheck scan facebook-export/ instagram-export/ -o verdicts.jsonl --workers 2
  postcheck scan posts.csv --text-column message --since 2024-09-01 -f csv -o flagged.csv
  postcheck scan twitter-archive.zip -f html -o report.html --resume   # after an interruption
  postcheck scan exports/ -o verdicts.jsonl --dask tcp://scheduler:8786   # on a Dask cluster

Every post read appears in the output exactly once: with its verdict, or as an error
record saying why it could not be read. The summary reconciles:
read = ok + doubt + breach + error + skipped by date.

exit codes: 0 all clean (nothing at or above --fail-on), 1 findings,
            2 usage or input error (nothing scanned),
            3 done, but some records could not be read or checked (even with findings).
"""


def _add_scan(sub) -> None:
    from postcheck.readers import FORMATS

    scan = sub.add_parser(
        "scan",
        help="check a school account's history exported from X, Facebook, Instagram, "
        "LinkedIn, or a CSV/JSONL file",
        description="Check every post of one or more platform exports (folders, .zip archives "
        "or files). Streams, shows progress on a terminal, and can resume after an "
        "interruption.",
        epilog=SCAN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scan.add_argument("paths", nargs="+", metavar="PATH", help="export folder, .zip or file")
    scan.add_argument(
        "--input-format", choices=FORMATS, help="format of the export (default: detected)"
    )
    for column in ("text", "id", "date", "url"):
        scan.add_argument(
            f"--{column}-column", metavar="NAME", help=f"CSV/JSONL column holding the {column}"
        )
    _output_options(scan)
    scan.add_argument(
        "--decisions",
        type=Path,
        metavar="FILE",
        help="reviewers' decisions (JSONL, as `postcheck serve --scan` writes): false alarms "
        "are listed as cleared and no longer count",
    )
    scan.add_argument(
        "--with-text",
        action="store_true",
        help="include each post's text in JSON/JSONL output (for the review page's search)",
    )
    scan.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes to check posts with (default: 1; at most the number of cores, "
        "unless --force-workers)",
    )
    scan.add_argument("--since", type=_date, help="only posts on or after YYYY-MM-DD")
    scan.add_argument("--until", type=_date, help="only posts on or before YYYY-MM-DD")
    scan.add_argument(
        "--resume", action="store_true", help="continue an interrupted scan to the same -o file"
    )
    _common(scan)
    _add_scan_scale(scan)
    scan.set_defaults(handler=cmd_scan)


def _add_scan_scale(scan) -> None:
    """Where a scan's posts are checked: --workers (above), --force-workers, --dask."""
    scan.add_argument(
        "--force-workers", action="store_true",
        help="allow --workers above the number of cores (each worker holds its own models)",
    )  # fmt: skip
    scan.add_argument(
        "--dask", metavar="ADDRESS",
        help="check on a Dask cluster: the scheduler's address (tcp://host:8786), or local[:N] "
        "to start N local workers (needs `pip install 'postcheck[dask]'`)",
    )  # fmt: skip


def _date(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2024-09-01") from None


def cmd_scan(args) -> int:
    from postcheck.scan import check_output_path, default_checkpoint_path, open_output, scan
    from postcheck.scan.progress import tty_progress
    from postcheck.scan.recipe import CheckerRecipe

    config = _config(args)
    if args.resume and args.output is None:
        raise PostcheckError(
            "--resume needs the -o file of the interrupted scan",
            fix="run the same command again with the same -o FILE and --resume",
        )
    for path in args.paths:
        if not Path(path).exists():
            raise PostcheckError(
                "the export does not exist",
                where=str(path),
                fix="give the path of the downloaded archive (.zip), its folder, or a file",
            )
    if args.output is not None and str(args.output) != "-":
        check_output_path(args.output)
    executor, executor_options = _scan_executor(args)
    from postcheck.output import format_for_path

    fmt = args.format or format_for_path(args.output)
    decisions = None
    if args.decisions is not None:
        from postcheck.decisions import load_decisions

        decisions = load_decisions(args.decisions)
    options = {
        f"{c}_column": getattr(args, f"{c}_column")
        for c in ("text", "id", "date", "url")
        if getattr(args, f"{c}_column")
    }
    factory = CheckerRecipe.from_config(config)  # settings, roster, rules: read here, once
    writer = open_output(
        fmt, args.output, redact=args.redact, include_text=args.with_text,
        colour=args.output is None and _colour(args, sys.stdout),
    )  # fmt: skip
    if decisions is not None:
        from postcheck.decisions import DecisionsWriter

        writer = DecisionsWriter(writer, decisions)
    progress = tty_progress(sys.stderr, colour=_colour(args, sys.stderr))
    try:
        summary = scan(
            args.paths,
            checker_factory=factory,
            output_writer=writer,
            format=args.input_format,
            reader_options=options,
            executor=executor,
            executor_options=executor_options,
            since=args.since,
            until=args.until,
            checkpoint_path=default_checkpoint_path(args.output) if args.output else None,
            resume=args.resume,
            redact=args.redact,
            progress=progress,
        )
    except BaseException:
        abort = getattr(writer, "abort", None)
        if abort:
            abort()
        raise
    finally:
        if progress is not None:
            progress.close()
    print(summary.line(), file=sys.stderr)
    if args.output:
        print(f"Written to {args.output}", file=sys.stderr)
    if summary.error:
        print(
            f"postcheck: done, but {summary.error:,} record(s) could not be read or checked: "
            "see the error records in the output",
            file=sys.stderr,
        )
        return EXIT_UNREADABLE
    return EXIT_FINDINGS if _RANK[summary.worst] >= _RANK[args.fail_on] else EXIT_OK


def _scan_executor(args) -> tuple[str, dict]:
    """(executor name, options) from --workers, --force-workers and --dask."""
    if args.workers < 1:
        raise PostcheckError(
            f"--workers must be at least 1, not {args.workers}", fix="e.g. --workers 2"
        )
    if args.dask:
        if args.workers != 1:
            raise PostcheckError(
                "--workers and --dask do not go together",
                fix="with --dask the cluster's workers check the posts: leave out --workers",
            )
        return "dask", {"address": args.dask}
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    if args.workers > cores and not args.force_workers:
        print(
            f"postcheck: --workers {args.workers} is more than the {cores} core(s) here; "
            f"using {cores} (add --force-workers to use {args.workers})",
            file=sys.stderr,
        )
        args.workers = cores
    return "local", {"workers": args.workers}


SERVE_EPILOG = """\
examples:
  postcheck serve                                  # http://127.0.0.1:8765/ for staff
  postcheck serve --scan verdicts.jsonl            # and /review for the safeguarding lead
  postcheck serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"   # other computers

The models load once, so each check takes milliseconds. Nothing goes to the network.
"""


def _add_serve(sub) -> None:
    serve = sub.add_parser(
        "serve",
        help="a local web page for staff to check drafts, and a review page for scans",
        description="Serve the staff page (GET /), the API (/api/check, /api/rules, "
        "/api/health, /api/schema, /api/openapi.json) and, with --scan, the review page "
        "(GET /review).",
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: "
                       "127.0.0.1, this computer only)")  # fmt: skip
    serve.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    serve.add_argument(
        "--token",
        help="the token the page asks for (required with another --host; default: the "
        "POSTCHECK_TOKEN environment variable)",
    )
    serve.add_argument("--scan", type=Path, metavar="JSONL", help="a scan's JSONL output to review")
    serve.add_argument(
        "--decisions",
        type=Path,
        metavar="FILE",
        help="where the review page stores decisions (default: next to the scan, "
        "NAME.decisions.jsonl)",
    )
    serve.add_argument("--config", type=Path, help="postcheck.yml to use")
    serve.add_argument("--trust-checkpoint", action="store_true", help=argparse.SUPPRESS)
    serve.set_defaults(handler=cmd_serve)


def cmd_serve(args) -> int:
    from postcheck.serve import run_server

    token = args.token or os.environ.get("POSTCHECK_TOKEN") or None
    if args.host not in ("127.0.0.1", "localhost", "::1") and not token:
        raise PostcheckError(
            f"listening on {args.host} lets other computers reach the page, so it needs a token",
            where="--host",
            fix='add --token SECRET (e.g. --token "$(openssl rand -hex 16)") or set '
            "POSTCHECK_TOKEN; or leave out --host to serve this computer only",
        )
    if not 0 < args.port < 65536:
        raise PostcheckError(f"--port {args.port} is not a port", fix="use e.g. --port 8765")
    if args.scan is not None and not args.scan.is_file():
        raise PostcheckError(
            "the scan file does not exist",
            where=str(args.scan),
            fix="give the JSONL written by `postcheck scan ... -o verdicts.jsonl`",
        )
    run_server(
        config=_config(args), host=args.host, port=args.port, token=token,
        scan=args.scan, decisions=args.decisions,
    )  # fmt: skip
    return EXIT_OK


def _rule_summary(rule) -> dict:
    return {
        "id": rule.id,
        "clause": rule.clause,
        "quote": rule.quote,
        "severity": rule.severity,
        "title": rule.title,
        "message": rule.message,
        "suggestion": rule.suggestion,
    }


def _clause_key(clause: str) -> tuple:
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.findall(r"\d+|[a-z]", clause))


if __name__ == "__main__":
    sys.exit(main())
