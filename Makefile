# HPA-Sim: `make demo` and `make test` set up their own environment on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test test-fast bench fuzz identical linecounts versus clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "HPA-Sim needs Python 3.11 or newer; $(PYTHON) is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job on the built-in default: the five seed schemes on the same default county.
DEMO_SCHEMES := baseline x_prefecture maiji_district sui_county gansu_province_2016

demo: setup
	$(BIN)/hpa compare $(DEMO_SCHEMES) --readings --persons 100000 --reps 50 --seed 20161 --out results/demo --force
	$(BIN)/hpa validate --into results/demo --draws 20
	$(BIN)/hpa report results/demo

test: setup
	$(BIN)/python -m pytest -q

# Random mutations of claims files, household tables and scheme files, many more than make test runs.
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/test_fuzz_inputs.py

bench: setup
	$(BIN)/python -m benchmarks

# Every output file of a fixed set of commands, byte for byte, at two commits: make identical OLD=211b25a NEW=HEAD
# (QUICK=1 for the few-minute subset). Not part of make test.
identical: setup
	$(BIN)/python benchmarks/identical.py $(OLD) $(NEW) $(if $(QUICK),--quick)

# Lines of Python per package of model/ at one or more commits, side by side: make linecounts COMMITS="211b25a HEAD"
linecounts:
	$(PYTHON) benchmarks/linecounts.py $(COMMITS)

# make bench's sections at two commits in the same session, alternating, medians and new/old ratios:
# make versus OLD=211b25a [NEW=HEAD] [SECTIONS=engine,population] [RUNS=5]
versus: setup
	$(BIN)/python benchmarks/versus.py $(OLD) $(or $(NEW),HEAD) $(if $(SECTIONS),--sections $(SECTIONS)) $(if $(RUNS),--runs $(RUNS))

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
