# The two commands in README.md. Everything else lives in scripts/.
.PHONY: run test bench lint mutation

run:
	scripts/run-demo.sh

test:
	scripts/run-tests.sh

bench:
	scripts/run-bench.sh

# Plants deliberate bugs one at a time and checks the tests catch each (bench/mutation.py).
mutation:
	scripts/bootstrap.sh test && .venv/bin/python bench/mutation.py

lint:
	scripts/bootstrap.sh test && .venv/bin/ruff check . && .venv/bin/ruff format --check .
