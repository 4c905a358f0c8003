"""The `hpa adjudicate` command: a claims file (spec §1) settled under a scheme, payments (spec §2) written."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.catalogue import read
from model.codes import joined_labels
from model.errors import InputError
from model.outputs import check_file

# What hpa adjudicate prints beside its figures, Chinese and English apart (model/rules/texts.yaml, group adjudicate:
# the report's catalogue is a later stage than the rules), printed 'Chinese / English'.
COMMAND_NAMES = read(Path(__file__).with_name("texts.yaml"))["adjudicate"]
COMMAND_LABELS = joined_labels(COMMAND_NAMES)


def adjudicate(args: argparse.Namespace) -> int:
    """`hpa adjudicate`: settle a claims file under a scheme and write spec §2 payments (or a template, or a slip).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed `hpa adjudicate` arguments.

    Returns
    -------
    int
        The exit status (0); bad input raises InputError.
    """
    from model.codes import PAYER_LABELS
    from model.money import format_yuan
    from model.rules.claims_csv import THREADS, read_claims
    from model.rules.payments_csv import payments_csv, write_payments
    from model.rules.engine import program_for, settle
    from model.rules.kernel import load_compiler
    from model.scenario import load_scenario

    if args.template is not None:
        from model import atomic
        from model.rules.lenient import template_bytes

        if args.template.exists():
            raise InputError(f"--template {args.template}: expected a new file, found one already there (not replaced)")
        atomic.write_bytes(args.template, template_bytes("csv" if args.template.suffix.lower() == ".csv" else "xlsx"))
        print(f"{COMMAND_LABELS['template']} → {args.template}")
        return 0
    if args.scenario is None or args.claims is None:
        missing = ", ".join(name for name, value in (("SCENARIO", args.scenario), ("CLAIMS.csv", args.claims)) if value is None)
        raise InputError(f"hpa adjudicate: the following arguments are required: {missing} (or --template FILE)")
    if args.output is not None:
        check_file(args.output, args.force)
    load_compiler()  # what the kernel's first call would load, without scipy.linalg (no other thread yet)
    scenario = load_scenario(args.scenario, args.sets, sections=())  # settling reads the scheme alone
    columns = program_for(scenario.scheme).output_columns
    if args.lenient or args.claims.suffix.lower() == ".xlsx":
        from model.rules.lenient import read_lenient

        claims_file = read_lenient(args.claims)
    else:
        claims_file = read_claims(args.claims)
    amounts = settle(scenario.scheme, claims_file.claims, THREADS)
    if args.explain:
        from model.rules.slip import explain

        if args.narrow:
            from model.rules.patient_slip import narrow_slip

            print(narrow_slip(scenario, claims_file, args.explain))
        else:
            print(explain(scenario, claims_file, args.explain))
    if args.output is not None:
        write_payments(args.output, claims_file, amounts, THREADS)
        totals = amounts.sum(axis=0)
        print(f"{scenario.id}: {len(amounts):,} claims settled → {args.output}")
        for column, name in enumerate(columns):
            print(f"  {PAYER_LABELS[name]:<40} {format_yuan(int(totals[column])):>20}")
        print(f"  {COMMAND_LABELS['total_cost']:<40} {format_yuan(int(claims_file.claims.total.sum())):>20}")
    elif not args.explain:
        sys.stdout.buffer.write(payments_csv(claims_file, amounts))
    return 0
