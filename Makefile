# trainaudit — every target installs what it needs into .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-growth bench-history sample docs docs-images clean bench-spark

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test,dev,spark]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(BIN)/trainaudit audit \
		--trainees sample_data/trainees.xlsx \
		--certificates sample_data/certificates.csv \
		--payments sample_data/payments.csv \
		--institutions sample_data/institutions.csv \
		--watchlist sample_data/watchlist.csv \
		--occupations sample_data/occupations.csv \
		--out out/report.xlsx --findings out/findings.csv --fail-on never

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check trainaudit tests bench
	$(BIN)/ruff format --check trainaudit tests bench

docs: $(STAMP)  # the rule and command references in docs/, from the code (tests/test_docs.py)
	$(BIN)/python docs/generate.py

docs-images: $(STAMP)  # the guide's pictures, from sample_data (needs LibreOffice and poppler)
	$(BIN)/python docs/images.py

sample: $(STAMP)
	$(BIN)/trainaudit sample --out sample_data --force

bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-growth: $(STAMP)
	$(BIN)/python bench/run.py --only growth --sizes 100000,1000000,3000000

bench-history: $(STAMP)
	$(BIN)/python bench/history.py

bench-spark: $(STAMP)
	$(BIN)/python bench/spark.py

clean:
	rm -rf $(VENV) out .pytest_cache
