# Two commands set everything up on a fresh machine:
#   make demo   - create .venv, install sentikit, train a GRU on each bundled corpus and predict a few sentences
#                 (360 reviews are few for a GRU, hence more epochs than the default 10)
#   make test   - create .venv if needed and run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch. On these machines pip finds it in its local wheel folder; elsewhere add
# TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu", or see README for CUDA.
TORCH_SPEC ?= torch==2.13.0

.PHONY: install demo test test-oldest lint bench-quick clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_SPEC)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	# pip byte-compiles what it installs, but not an editable project; where PYTHONDONTWRITEBYTECODE is set
	# (as on our machines) Python never caches it either, and every command would compile sentikit again.
	$(BIN)/python -m compileall -q sentikit
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/sentikit train data/reviews_ru.csv --arch gru --epochs 20 --patience 4 --out models/demo-ru-gru --force
	$(BIN)/sentikit predict --model models/demo-ru-gru \
		"Отличный товар, всем советую!" "Ужасный сервис, больше не приду" "Обычный отель, ничего особенного"
	$(BIN)/sentikit train data/reviews_en.csv --arch gru --epochs 20 --patience 4 --out models/demo-en-gru --force
	$(BIN)/sentikit predict --model models/demo-en-gru \
		"Great phone, battery lasts for days" "Terrible food and rude staff" "Delivered on Tuesday, as described"

test: install
	$(BIN)/python -m pytest

# The CLI tests again against the oldest typer that pyproject.toml allows (read from there), which a fresh
# install never picks. pip puts it and its own dependencies in a folder that shadows the venv's copies.
TYPER_FLOOR = $(shell sed -n 's/.*"typer>=\([0-9.]*\),.*/\1/p' pyproject.toml)
test-oldest: install
	rm -rf $(VENV)/typer-floor
	$(BIN)/python -m pip install --quiet --target $(VENV)/typer-floor "typer==$(TYPER_FLOOR)"
	PYTHONPATH=$(VENV)/typer-floor $(BIN)/python -m pytest tests/test_cli_*.py tests/adversarial

lint: install
	$(BIN)/ruff check sentikit tests benchmarks

bench-quick: install
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run.py --quick

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
