# The two commands in README.md. Everything else lives in scripts/.
.PHONY: run test bench bench-scale lint mutation

run:
	scripts/run-demo.sh

test:
	scripts/run-tests.sh

bench:
	scripts/run-bench.sh

# Every page at 1,000,000 transfers against the demo database, and webhooks at volume
# (bench/scale.py, bench/webhooks.py; a quick run: scripts/run-bench-scale.sh --scale 0.05).
bench-scale:
	scripts/run-bench-scale.sh

# Plants deliberate bugs one at a time and checks the tests catch each (bench/mutation.py).
mutation:
	scripts/bootstrap.sh test && .venv/bin/python bench/mutation.py

lint:
	scripts/bootstrap.sh test && .venv/bin/ruff check . && .venv/bin/ruff format --check .
