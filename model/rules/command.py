"""The `hpa adjudicate` command: a claims file (spec §1) settled under a scheme, payments (spec §2) written."""

from __future__ import annotations

import argparse
import gc
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from model.catalogue import read
from model.codes import joined_labels
from model.errors import InputError
from model.outputs import check_file

# What hpa adjudicate prints beside its figures, Chinese and English apart (model/rules/texts.yaml, group adjudicate:
# the report's catalogue is a later stage than the rules), printed 'Chinese / English'.
COMMAND_NAMES = read(Path(__file__).with_name("texts.yaml"))["adjudicate"]
COMMAND_LABELS = joined_labels(COMMAND_NAMES)
READ_SWITCH_INTERVAL = 0.0005  # seconds a thread holds the GIL while another waits, while claims are read (default 0.005)


def _load_engine() -> None:
    """Import the engine and load numba's compiler target, which the kernel's first call would otherwise load."""
    import model.rules.engine  # noqa: F401
    from model.rules.kernel import load_compiler

    load_compiler()


def _scheme(args: argparse.Namespace):
    """The scenario `hpa adjudicate` settles under (its scheme alone) and the scheme's compiled program."""
    from model.rules.program import compile_scheme
    from model.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.sets, sections=())
    return scenario, compile_scheme(scenario.scheme)


def _scheme_and_engine(args: argparse.Namespace):
    """The scenario and its program (_scheme), then the engine loaded (_load_engine)."""
    prepared = _scheme(args)
    _load_engine()
    return prepared


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
    # The command makes few reference cycles (its data are arrays), while the collector's passes over the many
    # objects its imports make (numba, pydantic) are a noticeable part of its time: collection waits until it ends.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _adjudicate(args)
    finally:
        if collecting:
            gc.enable()


def _adjudicate(args: argparse.Namespace) -> int:
    from model.codes import PAYER_LABELS
    from model.money import format_yuan
    from model.rules.claims_csv import THREADS, read_claims
    from model.rules.payments_csv import payments_csv, write_payments

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
    if args.lenient or args.claims.suffix.lower() == ".xlsx":
        from model.rules.lenient import read_lenient

        scenario, program = _scheme(args)
        claims_file = read_lenient(args.claims)
        _load_engine()
    else:
        # The scheme, then numba and its compiler target, load (Python, holding the GIL) on one thread, while this
        # one reads the claims (mostly in pyarrow and numpy, which release it) and imports nothing. The read takes
        # the GIL back after each of its many calls: the loading thread is made to hand it over sooner than usual.
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(switch_interval, READ_SWITCH_INTERVAL))
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:
                prepared = pool.submit(_scheme_and_engine, args)
                try:
                    claims_file = read_claims(args.claims)
                except Exception:
                    prepared.result()  # a bad scheme is the one reported, as when it was loaded first
                    raise
                scenario, program = prepared.result()
        finally:
            sys.setswitchinterval(switch_interval)
    from model.rules.engine import settle

    amounts = settle(program, claims_file.claims, THREADS)
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
        for column, name in enumerate(program.output_columns):
            print(f"  {PAYER_LABELS[name]:<40} {format_yuan(int(totals[column])):>20}")
        print(f"  {COMMAND_LABELS['total_cost']:<40} {format_yuan(int(claims_file.claims.total.sum())):>20}")
    elif not args.explain:
        sys.stdout.buffer.write(payments_csv(claims_file, amounts))
    return 0
